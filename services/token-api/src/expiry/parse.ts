import { TokenEventType, parseTokenEvent, type TokenEventOf } from '@tessera/contracts';
import type { ParseResult, Topology } from '@tessera/platform';

/**
 * A message of the `token-api-expiry` consumer: a TokenExpired to act on, or an event of another
 * type to ack and ignore. The consumer's filter is `tokens.expired.*`, so other types arrive only
 * if the filter is ever widened (a server without multi-filter support binds consumers that list
 * several events to every token event); acking them keeps the consumer from stalling.
 * `occurredAt` at the top level is what the consume loop's event-to-effect histogram reads.
 */
export type ExpiryMessage = { kind: 'expired'; event: TokenEventOf<'TokenExpired'>; occurredAt: string } | { kind: 'ignored'; type: string };

export function parseExpiryMessage(data: unknown, topology: Topology): ParseResult<ExpiryMessage> {
  const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
  const known = TokenEventType.safeParse(type);
  if (known.success && !topology.consumerHandles('tokenApiExpiry', known.data)) return { success: true, data: { kind: 'ignored', type: known.data } };
  const parsed = parseTokenEvent(data);
  if (!parsed.success) return { success: false, error: { message: parsed.error.message } };
  if (parsed.data.type !== 'TokenExpired') return { success: true, data: { kind: 'ignored', type: parsed.data.type } };
  return { success: true, data: { kind: 'expired', event: parsed.data, occurredAt: parsed.data.occurredAt } };
}
