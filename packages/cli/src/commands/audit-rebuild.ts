import { SingleBar } from 'cli-progress';
import type { AuditRebuildStatus } from '@tessera/contracts';
import { CliError, type AdminClient } from '../admin-client.js';

/**
 * Rebuilds the audit projection from the stream (on the audit replica the CLI talks to) and
 * follows it with a progress bar until it finishes.
 */
export async function rebuildAudit(admin: AdminClient, options: { progress: boolean; pollMs?: number }): Promise<AuditRebuildStatus> {
  let status = (await admin.request('audit', 'POST', '/api/v1/audit/rebuild', { body: {} })) as AuditRebuildStatus;
  const bar = options.progress ? new SingleBar({ format: 'rebuilding audit projection [{bar}] {value}/{total} events | {eta_formatted} left', hideCursor: true }) : null;
  bar?.start(Math.max(1, status.targetSequence), status.replayed);
  while (status.state === 'running') {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    status = (await admin.request('audit', 'GET', '/api/v1/audit/rebuild')) as AuditRebuildStatus;
    bar?.setTotal(Math.max(1, status.targetSequence));
    bar?.update(status.replayed);
  }
  bar?.stop();
  if (status.state !== 'succeeded') throw new CliError(`audit rebuild ${status.state}: ${status.error ?? 'no detail'}`);
  return status;
}
