// Global setup of `pnpm test:long`: a clean results folder before, the report after.
import { clearResults, renderReport } from './support/report.js';

export default function setup(): () => void {
  clearResults();
  return () => {
    renderReport('pnpm test:long');
  };
}
