// NATS subjects of DESIGN §3. Untrusted parts (user ids, durable names) are validated before
// they are joined, so `*`, `>`, `.` or whitespace can never widen or split a subject.
import { z } from 'zod';
import { InvalidSubjectError } from './errors.js';
import { EVENT_SUBJECT_NAME, TokenEventType } from './events.js';
import type { TokenEventName } from './events.js';
import { Uuid } from './ids.js';

/** Every token event; the TOKEN_EVENTS stream's subject and the audit/notifier filter. */
export const ALL_TOKEN_EVENTS = 'tokens.>';
export const KEY_ROTATED_SUBJECT = 'keys.rotated';
export const ALL_KEY_EVENTS = 'keys.>';
export const ALL_DLQ_SUBJECTS = 'dlq.>';

/** JetStream durable names; also the last token of the consumer's DLQ subject. */
export const DurableName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

const NAME_TO_TYPE = new Map<string, TokenEventType>(
  Object.entries(EVENT_SUBJECT_NAME).map(([type, name]) => [name, type as TokenEventType]),
);

function eventName(event: TokenEventType | TokenEventName): TokenEventName {
  if (TokenEventType.safeParse(event).success) return EVENT_SUBJECT_NAME[event as TokenEventType];
  if (NAME_TO_TYPE.has(event)) return event as TokenEventName;
  throw new InvalidSubjectError(`unknown token event ${JSON.stringify(event)}`);
}

/**
 * User ids are lowercased: Postgres and `crypto.randomUUID` print lowercase, and subjects are
 * compared byte for byte, so an uppercase id would silently miss a `tokens.*.<userId>` filter.
 */
function userToken(userId: string): string {
  if (!Uuid.safeParse(userId).success) throw new InvalidSubjectError('userId must be a UUID');
  return userId.toLowerCase();
}

/** `tokens.<event>.<userId>`; accepts the event type (`TokenRevoked`) or its name (`revoked`). */
export function tokenEventSubject(event: TokenEventType | TokenEventName, userId: string): string {
  return `tokens.${eventName(event)}.${userToken(userId)}`;
}

/** Inverse of tokenEventSubject; null for anything that is not exactly a token event subject. */
export function parseTokenEventSubject(
  subject: string,
): { event: TokenEventName; type: TokenEventType; userId: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== 'tokens') return null;
  const [, name = '', userId = ''] = parts;
  const type = NAME_TO_TYPE.get(name);
  if (type === undefined || !Uuid.safeParse(userId).success) return null;
  return { event: name as TokenEventName, type, userId: userId.toLowerCase() };
}

/** One event type for every user. Subjects have exactly three tokens, so `*` is enough. */
export function tokenEventFilter(event: TokenEventType | TokenEventName): string {
  return `tokens.${eventName(event)}.*`;
}

/** Every event of one user. */
export function userEventsFilter(userId: string): string {
  return `tokens.*.${userToken(userId)}`;
}

/** Where a consumer's poison messages go, on stream TOKEN_EVENTS_DLQ. */
export function dlqSubject(durable: string): string {
  if (!DurableName.safeParse(durable).success) {
    throw new InvalidSubjectError('durable must match /^[A-Za-z0-9_-]{1,64}$/');
  }
  return `dlq.${durable}`;
}
