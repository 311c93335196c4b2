import type { Router } from 'express';
import express from 'express';

export type HealthStatus = 'UP' | 'DOWN';

export interface CheckResult {
  status: HealthStatus;
  detail?: Record<string, unknown>;
}

/**
 * A dependency check. `readiness` says whether the service can do useful work without it: a
 * consumer is not ready without NATS, token-api is (its outbox holds the events).
 */
export interface HealthCheck {
  name: string;
  readiness: boolean;
  check(): Promise<CheckResult> | CheckResult;
}

const CHECK_TIMEOUT_MS = 1_500;

async function runCheck(check: HealthCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(check.check()),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'DOWN', detail: { error: 'check timed out' } }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return { status: 'DOWN', detail: { error: error instanceof Error ? error.message : 'check failed' } };
  } finally {
    clearTimeout(timer);
  }
}

export async function evaluateHealth(checks: HealthCheck[], onlyReadiness: boolean) {
  const selected = onlyReadiness ? checks.filter((c) => c.readiness) : checks;
  const results = await Promise.all(selected.map(async (c) => [c.name, await runCheck(c)] as const));
  const status: HealthStatus = results.every(([, r]) => r.status === 'UP') ? 'UP' : 'DOWN';
  return { status, checks: Object.fromEntries(results) };
}

/**
 * `/health/live`: the process runs (the event loop answered). `/health/ready`: the checks the
 * service needs to do its work. `/health`: every check, for people. 503 whenever DOWN.
 */
export function healthRouter(checks: HealthCheck[]): Router {
  const router = express.Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'UP', checks: {} });
  });
  router.get('/health/ready', async (_req, res) => {
    const body = await evaluateHealth(checks, true);
    res.status(body.status === 'UP' ? 200 : 503).json(body);
  });
  router.get('/health', async (_req, res) => {
    const body = await evaluateHealth(checks, false);
    res.status(body.status === 'UP' ? 200 : 503).json(body);
  });
  return router;
}
