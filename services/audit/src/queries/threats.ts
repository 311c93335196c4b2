import { UNKNOWN_USER_ID, type BruteForceResponse, type BruteForceSuspect, type UnusualUsageResponse } from '@tessera/contracts';
import { sql, type Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';

interface WindowRequest {
  threshold: number;
  limit: number;
  now: number;
}

/**
 * Users with more than `threshold` refused tokens reported in the last `windowMinutes`. Each
 * TokenValidationFailed row is an aggregate, so failures are the sum of their counts. Failures
 * of unknown users (the nil UUID) are nobody's account and are left out.
 */
export async function findBruteForce(db: Kysely<AuditDatabase>, request: WindowRequest & { windowMinutes: number }): Promise<BruteForceResponse> {
  const windowStart = new Date(request.now - request.windowMinutes * 60_000);
  const windowEnd = new Date(request.now);
  const { rows } = await sql<{
    user_id: string;
    failures: number;
    distinct_ips: number;
    first_seen: Date;
    last_seen: Date;
    reasons: Record<string, number>;
  }>`
    with failures as (
      select user_id, reason, client_ip, occurred_at, (data->>'count')::bigint as n
      from auth_token_audit
      where action = 'TokenValidationFailed' and occurred_at >= ${windowStart} and user_id <> ${UNKNOWN_USER_ID}::uuid
    ), suspects as (
      select user_id, sum(n)::bigint as failures, count(distinct client_ip)::bigint as distinct_ips,
             min(occurred_at) as first_seen, max(occurred_at) as last_seen
      from failures
      group by user_id
      having sum(n) > ${request.threshold}
      order by failures desc, user_id
      limit ${request.limit}
    )
    select s.*, (
      select jsonb_object_agg(reason, n) from (
        select reason, sum(n)::bigint as n from failures f where f.user_id = s.user_id group by reason
      ) by_reason
    ) as reasons
    from suspects s
    order by failures desc, user_id`.execute(db);
  return {
    windowStart: windowStart.toISOString(),
    windowEnd: windowEnd.toISOString(),
    threshold: request.threshold,
    items: rows.map(
      (row): BruteForceSuspect => ({
        userId: row.user_id,
        failures: row.failures,
        distinctIps: row.distinct_ips,
        reasons: row.reasons as BruteForceSuspect['reasons'],
        firstSeen: row.first_seen.toISOString(),
        lastSeen: row.last_seen.toISOString(),
      }),
    ),
  };
}

/** The events that are a use of the user's credentials, from wherever they were used. */
const USAGE_ACTIONS = ['TokenIssued', 'TokenReuseDetected'];

/** Users whose credentials were used from more than `threshold` IPs or User-Agents in the last `windowHours`. */
export async function findUnusualUsage(db: Kysely<AuditDatabase>, request: WindowRequest & { windowHours: number }): Promise<UnusualUsageResponse> {
  const windowStart = new Date(request.now - request.windowHours * 3_600_000);
  const windowEnd = new Date(request.now);
  const { rows } = await sql<{
    user_id: string;
    distinct_ips: number;
    distinct_user_agents: number;
    events: number;
    first_seen: Date;
    last_seen: Date;
  }>`
    select user_id, count(distinct client_ip)::bigint as distinct_ips, count(distinct user_agent)::bigint as distinct_user_agents,
           count(*)::bigint as events, min(occurred_at) as first_seen, max(occurred_at) as last_seen
    from auth_token_audit
    where occurred_at >= ${windowStart} and action = any(${USAGE_ACTIONS}::text[])
    group by user_id
    having count(distinct client_ip) > ${request.threshold} or count(distinct user_agent) > ${request.threshold}
    order by distinct_ips desc, distinct_user_agents desc, user_id
    limit ${request.limit}`.execute(db);
  return {
    windowStart: windowStart.toISOString(),
    windowEnd: windowEnd.toISOString(),
    threshold: request.threshold,
    items: rows.map((row) => ({
      userId: row.user_id,
      distinctIps: row.distinct_ips,
      distinctUserAgents: row.distinct_user_agents,
      events: row.events,
      firstSeen: row.first_seen.toISOString(),
      lastSeen: row.last_seen.toISOString(),
    })),
  };
}
