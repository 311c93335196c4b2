// Renders reports/reliability.md from the recorded case figures (what `pnpm test:long` does at its
// end): `npx tsx test/reliability/render-report.ts`.
import { renderReport } from './support/report.js';

process.stdout.write(renderReport(process.argv[2] ?? 'pnpm test:long'));
