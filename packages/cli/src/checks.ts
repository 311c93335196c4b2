/** One line of a report: what was checked, how it went, and what was seen. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  data?: Record<string, unknown>;
}

const MARK = { ok: '✔', warn: '!', fail: '✘' } as const;

export function renderChecks(title: string, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `  ${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const verdict = failed > 0 ? `${failed} failed, ${warned} warnings` : warned > 0 ? `healthy, ${warned} warnings` : 'healthy';
  return [title, ...lines, `${verdict}`].join('\n');
}

/** Runs a probe, turning an exception into a failed check that names the error. */
export async function probe(name: string, fn: () => Promise<Check | Check[]>): Promise<Check[]> {
  try {
    const result = await fn();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [{ name, status: 'fail', detail: error instanceof Error ? error.message : String(error) }];
  }
}
