// Polls /health/ready of some services while a fault runs and keeps the longest stretch each one
// was not ready: "no downtime beyond reconnect" as a number.
export interface ReadinessWatch {
  stop(): Promise<Record<string, { downMs: number; longestDownMs: number; polls: number }>>;
}

export function watchReadiness(urls: Record<string, string>, intervalMs = 250): ReadinessWatch {
  let running = true;
  const state: Record<string, { downMs: number; longestDownMs: number; polls: number; downSince: number | null }> = {};
  const loops = Object.entries(urls).map(async ([name, url]) => {
    const s: { downMs: number; longestDownMs: number; polls: number; downSince: number | null } = { downMs: 0, longestDownMs: 0, polls: 0, downSince: null };
    state[name] = s;
    while (running) {
      const at = Date.now();
      const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      s.polls += 1;
      if (!ok && s.downSince === null) s.downSince = at;
      if (ok && s.downSince !== null) {
        const d = at - s.downSince;
        s.downMs += d;
        s.longestDownMs = Math.max(s.longestDownMs, d);
        s.downSince = null;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    if (s.downSince !== null) {
      const d = Date.now() - s.downSince;
      s.downMs += d;
      s.longestDownMs = Math.max(s.longestDownMs, d);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { downMs: v.downMs, longestDownMs: v.longestDownMs, polls: v.polls }]));
    },
  };
}
