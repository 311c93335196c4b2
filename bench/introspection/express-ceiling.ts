// The HTTP ceiling: a bare Express 5 endpoint that parses a form body and answers a fixed small
// JSON object, nothing else. In its own process (pinned like the others). Prints `READY <port>`.
import { createRequire } from 'node:module';

interface Res {
  json(body: unknown): void;
}
interface ExpressModule {
  (): { use(handler: unknown): void; post(path: string, handler: (req: { body: unknown }, res: Res) => void): void; listen(port: number, host: string, callback: () => void): import('node:http').Server };
  urlencoded(options: { extended: boolean; limit: string }): unknown;
}

// Borrowed from token-api, so the ceiling runs the very Express build the service runs.
const require = createRequire(new URL('../../services/token-api/package.json', import.meta.url));
const express = require('express') as ExpressModule;

const app = express();
app.use(express.urlencoded({ extended: false, limit: '16kb' }));
app.post('/introspect', (req, res) => {
  res.json({ active: typeof (req.body as { token?: unknown }).token === 'string' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
