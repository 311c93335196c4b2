import { describe, it, expect } from 'vitest';
import { InvalidSubjectError } from './errors.js';
import { EVENT_SUBJECT_NAME, TokenEventType } from './events.js';
import {
  ALL_TOKEN_EVENTS,
  KEY_ROTATED_SUBJECT,
  dlqSubject,
  parseTokenEventSubject,
  tokenEventFilter,
  tokenEventSubject,
  userEventsFilter,
} from './subjects.js';
import { FIXED_IDS } from './testing/fixtures.js';

const USER = FIXED_IDS.userId;

/** Values that must never reach a subject: wildcards, separators, whitespace, huge input. */
const UNSAFE_IDS = [
  'a.b',
  '*',
  '>',
  '',
  'x y',
  'x'.repeat(500),
  `${USER}.x`,
  `${USER} `,
  `${USER}\n`,
  'tokens.>',
  `${USER.slice(0, -1)}*`,
];

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSubjectError);
    expect(e).toBeInstanceOf(TypeError);
    return (e as InvalidSubjectError).code;
  }
  return 'did not throw';
}

describe('tokenEventSubject', () => {
  it('builds tokens.<event>.<userId> from a type or an event name', () => {
    expect(tokenEventSubject('TokenRevoked', USER)).toBe(`tokens.revoked.${USER}`);
    expect(tokenEventSubject('revoked', USER)).toBe(`tokens.revoked.${USER}`);
    expect(tokenEventSubject('LogoutAll', USER)).toBe(`tokens.logout_all.${USER}`);
  });

  it('lowercases the user id so filters match byte for byte', () => {
    expect(tokenEventSubject('TokenIssued', USER.toUpperCase())).toBe(`tokens.issued.${USER}`);
  });

  it.each(UNSAFE_IDS)('refuses user id %j', (userId) => {
    expect(codeOf(() => tokenEventSubject('TokenRevoked', userId))).toBe('ERR_INVALID_SUBJECT');
  });

  it.each(['Revoked', 'tokens', '*', '>', '', 'revoked.x'])('refuses unknown event %j', (event) => {
    expect(codeOf(() => tokenEventSubject(event as TokenEventType, USER))).toBe('ERR_INVALID_SUBJECT');
  });
});

describe('parseTokenEventSubject', () => {
  it.each(TokenEventType.options)('round-trips %s', (type) => {
    expect(parseTokenEventSubject(tokenEventSubject(type, USER))).toEqual({ event: EVENT_SUBJECT_NAME[type], type, userId: USER });
  });

  it.each([
    `tokens.revoked`,
    `tokens.revoked.${USER}.x`,
    `keys.revoked.${USER}`,
    `tokens.Revoked.${USER}`,
    `tokens.stolen.${USER}`,
    `tokens.revoked.*`,
    `tokens.revoked.>`,
    `tokens.*.${USER}`,
    'tokens.revoked.not-a-uuid',
    KEY_ROTATED_SUBJECT,
    '',
  ])('returns null for %j', (subject) => {
    expect(parseTokenEventSubject(subject)).toBeNull();
  });
});

describe('filters', () => {
  it('filter by event uses one wildcard token, filter by user is validated', () => {
    expect(tokenEventFilter('TokenRevoked')).toBe('tokens.revoked.*');
    expect(tokenEventFilter('password_changed')).toBe('tokens.password_changed.*');
    expect(userEventsFilter(USER)).toBe(`tokens.*.${USER}`);
    expect(ALL_TOKEN_EVENTS).toBe('tokens.>');
    expect(KEY_ROTATED_SUBJECT).toBe('keys.rotated');
  });

  it.each(UNSAFE_IDS)('userEventsFilter refuses %j', (userId) => {
    expect(codeOf(() => userEventsFilter(userId))).toBe('ERR_INVALID_SUBJECT');
  });
});

describe('dlqSubject', () => {
  it('builds dlq.<durable>', () => {
    expect(dlqSubject('token-api-expiry')).toBe('dlq.token-api-expiry');
    expect(dlqSubject('x'.repeat(64))).toBe(`dlq.${'x'.repeat(64)}`);
  });

  it.each(['a.b', '*', '>', '', 'x y', 'x'.repeat(65), 'x'.repeat(500), 'tab\t'])('refuses durable %j', (durable) => {
    expect(codeOf(() => dlqSubject(durable))).toBe('ERR_INVALID_SUBJECT');
  });
});
