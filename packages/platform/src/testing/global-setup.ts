import { canConnect, hostPort, testDatabaseUrl, testNatsUrl } from './services.js';

/**
 * Vitest global setup for integration projects. Fails the whole run, loudly, when PostgreSQL or
 * NATS cannot be reached and cannot be started: an integration test must never skip silently.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const pg = hostPort(testDatabaseUrl(), 5432);
  const nats = hostPort(testNatsUrl(), 4222);
  const [pgUp, natsUp] = await Promise.all([canConnect(pg.host, pg.port), canConnect(nats.host, nats.port)]);

  if (!pgUp || !natsUp) {
    const started = await startContainers({ postgres: !pgUp, nats: !natsUp });
    if (!started) {
      const missing = [!pgUp && `PostgreSQL at ${pg.host}:${pg.port} (DATABASE_URL)`, !natsUp && `NATS with JetStream at ${nats.host}:${nats.port} (NATS_URL)`].filter(Boolean);
      throw new Error(
        `integration tests need ${missing.join(' and ')}, and no Docker engine is available to start them. ` +
          `Start them (see README "Running the tests"), e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start; ` +
          `nats-server -a 127.0.0.1 -p 4222 -js`,
      );
    }
    stops.push(started.stop);
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}

/** testcontainers fallback for developers with Docker; resolves null without a container runtime. */
async function startContainers(wanted: { postgres: boolean; nats: boolean }): Promise<{ stop: () => Promise<void> } | null> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const stops: Array<() => Promise<void>> = [];
    if (wanted.postgres) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:15').withDatabase('test').withUsername('postgres').withPassword('postgres').start();
      process.env.DATABASE_URL = pg.getConnectionUri();
      stops.push(async () => void (await pg.stop()));
    }
    if (wanted.nats) {
      const nats = await new GenericContainer('nats:2.10').withCommand(['-js']).withExposedPorts(4222).withWaitStrategy(Wait.forLogMessage(/Server is ready/)).start();
      process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
      stops.push(async () => void (await nats.stop()));
    }
    return { stop: async () => void (await Promise.all(stops.map((s) => s()))) };
  } catch {
    return null;
  }
}
