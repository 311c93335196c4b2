import type { Check } from '../checks.js';
import type { SystemAccess } from '../system.js';
import { doctor } from './doctor.js';
import { listDeadLetters } from './dlq.js';

export interface HandoverReport {
  generatedAt: string;
  hours: number;
  status: { healthy: boolean; problems: Check[] };
  activity: Record<string, number>;
  revocationsByReason: Array<{ reason: string; count: number }>;
  validationFailures: Array<{ reason: string; count: number }>;
  bruteForceSuspects: Array<{ userId: string; failures: number }>;
  deadLetters: { total: number; inWindow: number; byConsumer: Record<string, number> };
  consumerLag: Record<string, number>;
}

const AUDIT_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The shift-handover report of the reference runbook: is everything up, what happened in the
 * last hours (token activity from the audit projection), what went wrong (dead letters,
 * validation failures, accounts under attack) and how far behind the consumers are.
 */
export async function handover(system: SystemAccess, options: { hours: number; auditSchema: string; now?: Date }): Promise<HandoverReport> {
  if (!AUDIT_SCHEMA.test(options.auditSchema)) throw new TypeError(`invalid audit schema name ${options.auditSchema}`);
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.hours * 3_600_000);
  const table = `${options.auditSchema}.auth_token_audit`;
  const checks = await doctor(system, { lagWarning: 1000, outboxWarning: 100 });

  const activityRows = await system.query<{ action: string; count: number }>(`select action, count(*)::int as count from ${table} where occurred_at >= $1 group by action order by action`, [since]);
  const revocations = await system.query<{ reason: string; count: number }>(
    `select coalesce(reason, '(none)') as reason, count(*)::int as count from ${table} where occurred_at >= $1 and action = 'TokenRevoked' group by 1 order by 2 desc limit 10`,
    [since],
  );
  const failures = await system.query<{ reason: string; count: number }>(
    `select coalesce(reason, data->>'reason') as reason, sum(coalesce((data->>'count')::int, 1))::int as count from ${table} where occurred_at >= $1 and action = 'TokenValidationFailed' group by 1 order by 2 desc`,
    [since],
  );
  const suspects = await system.query<{ user_id: string; failures: number }>(
    `select user_id, sum(coalesce((data->>'count')::int, 1))::int as failures from ${table}
      where occurred_at >= $1 and action = 'TokenValidationFailed' and user_id <> '00000000-0000-0000-0000-000000000000'
      group by user_id having sum(coalesce((data->>'count')::int, 1)) > 10 order by 2 desc limit 10`,
    [since],
  );
  const letters = await listDeadLetters(system);
  const byConsumer: Record<string, number> = {};
  for (const l of letters) byConsumer[l.consumer] = (byConsumer[l.consumer] ?? 0) + 1;

  return {
    generatedAt: now.toISOString(),
    hours: options.hours,
    status: { healthy: !checks.some((c) => c.status === 'fail'), problems: checks.filter((c) => c.status !== 'ok') },
    activity: Object.fromEntries(activityRows.map((r) => [r.action, r.count])),
    revocationsByReason: revocations,
    validationFailures: failures,
    bruteForceSuspects: suspects.map((s) => ({ userId: s.user_id, failures: s.failures })),
    deadLetters: { total: letters.length, inWindow: letters.filter((l) => l.time >= since.toISOString()).length, byConsumer },
    consumerLag: Object.fromEntries(checks.filter((c) => c.name.startsWith('consumer ') && typeof c.data?.lag === 'number').map((c) => [c.name.slice('consumer '.length), c.data!.lag as number])),
  };
}

export function renderHandover(r: HandoverReport): string {
  const lines = [`Tessera shift handover — ${r.generatedAt} (last ${r.hours} h)`, ''];
  lines.push(`Status: ${r.status.healthy ? 'healthy' : 'PROBLEMS'}`);
  for (const p of r.status.problems) lines.push(`  ${p.status === 'fail' ? '✘' : '!'} ${p.name}: ${p.detail}`);
  lines.push('', 'Token activity:');
  const activity = Object.entries(r.activity);
  if (activity.length === 0) lines.push('  (no events)');
  for (const [action, count] of activity) lines.push(`  ${action.padEnd(22)} ${count}`);
  lines.push('', 'Revocations by reason:');
  if (r.revocationsByReason.length === 0) lines.push('  (none)');
  for (const { reason, count } of r.revocationsByReason) lines.push(`  ${String(count).padStart(6)}  ${reason}`);
  lines.push('', 'Refused tokens (validation failures):');
  if (r.validationFailures.length === 0) lines.push('  (none)');
  for (const { reason, count } of r.validationFailures) lines.push(`  ${String(count).padStart(6)}  ${reason}`);
  if (r.bruteForceSuspects.length > 0) {
    lines.push('', 'Accounts with more than 10 refused tokens (look at these):');
    for (const s of r.bruteForceSuspects) lines.push(`  ${s.userId}  ${s.failures}`);
  }
  lines.push('', `Dead letters: ${r.deadLetters.total} in total, ${r.deadLetters.inWindow} in the last ${r.hours} h${r.deadLetters.total > 0 ? ` (${Object.entries(r.deadLetters.byConsumer).map(([c, n]) => `${c}: ${n}`).join(', ')}) — tessera dlq list` : ''}`);
  lines.push('', 'Consumer lag:');
  for (const [consumer, lag] of Object.entries(r.consumerLag)) lines.push(`  ${consumer.padEnd(18)} ${lag}`);
  return lines.join('\n');
}
