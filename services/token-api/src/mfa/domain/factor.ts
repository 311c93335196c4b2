// The second-factor rules as deciders: enrollment, activation, removal, a presented code, and
// whether a login needs the code. Pure: what the database holds and what the code matched come
// in as state, the clock and ids through the command.
import type { TokenEvent } from '@tessera/contracts';
import { mfaDisabled, mfaEnabled, recoveryCodeUsed, type EventContext } from './events.js';

/** The user's TOTP factor as stored. */
export type FactorState = { status: 'none' } | { status: 'pending' } | { status: 'active'; lastUsedStep: number | null };

/** What a presented code matched, found by the handler (TOTP step, or a stored recovery hash). */
export type CodeCheck =
  | { kind: 'totp'; matchedStep: number | null }
  | { kind: 'recovery'; matched: boolean; remainingAfterUse: number };

export type CodeOutcome =
  | { ok: true; method: 'totp'; step: number; events: TokenEvent[] }
  | { ok: true; method: 'recovery'; remaining: number; events: TokenEvent[] }
  | { ok: false; reason: 'not_enrolled' | 'wrong_code' | 'replayed' };

/**
 * A code offered as the second factor of an active factor. A TOTP code is accepted once: its
 * step must be later than the last accepted one (RFC 6238 §5.2), which also refuses an older
 * code still inside the ±1 window. A recovery code is spent by the handler's conditional update.
 */
export function decidePresentedCode(state: FactorState, check: CodeCheck, context: EventContext): CodeOutcome {
  if (state.status !== 'active') return { ok: false, reason: 'not_enrolled' };
  switch (check.kind) {
    case 'totp':
      if (check.matchedStep === null) return { ok: false, reason: 'wrong_code' };
      if (state.lastUsedStep !== null && check.matchedStep <= state.lastUsedStep) return { ok: false, reason: 'replayed' };
      return { ok: true, method: 'totp', step: check.matchedStep, events: [] };
    case 'recovery':
      if (!check.matched) return { ok: false, reason: 'wrong_code' };
      return { ok: true, method: 'recovery', remaining: check.remainingAfterUse, events: [recoveryCodeUsed(context, check.remainingAfterUse)] };
    default: {
      const unreachable: never = check;
      throw new TypeError(`unknown code kind ${JSON.stringify(unreachable)}`);
    }
  }
}

export type StartOutcome = { ok: true } | { ok: false; reason: 'already_enabled' };

/** Enrollment (re)starts unless a factor is active: a pending secret is replaced. */
export function decideStartEnrollment(state: FactorState): StartOutcome {
  return state.status === 'active' ? { ok: false, reason: 'already_enabled' } : { ok: true };
}

export type ConfirmOutcome =
  | { ok: true; step: number; events: TokenEvent[] }
  | { ok: false; reason: 'already_enabled' | 'not_pending' | 'wrong_code' };

/** The first code from the app proves it holds the secret; that code's step counts as used. */
export function decideConfirmEnrollment(state: FactorState, matchedStep: number | null, recoveryCodes: number, context: EventContext): ConfirmOutcome {
  if (state.status === 'active') return { ok: false, reason: 'already_enabled' };
  if (state.status === 'none') return { ok: false, reason: 'not_pending' };
  if (matchedStep === null) return { ok: false, reason: 'wrong_code' };
  return { ok: true, step: matchedStep, events: [mfaEnabled(context, recoveryCodes)] };
}

export type DisableOutcome = { ok: true; events: TokenEvent[] } | { ok: false; reason: 'not_enrolled' | 'wrong_code' | 'replayed' };

/** Removal needs a valid second factor now (the password is checked before). */
export function decideDisable(state: FactorState, check: CodeCheck, context: EventContext): DisableOutcome {
  const code = decidePresentedCode(state, check, context);
  if (!code.ok) return code;
  return { ok: true, events: [...code.events, mfaDisabled(context)] };
}

/** What the login knows about where it comes from. */
export interface Familiarity {
  /** The fingerprint completed a login of this user within the device TTL. */
  deviceKnown: boolean;
  /** Same for the country; null when the edge sent no country (not judged). */
  countryKnown: boolean | null;
  /** Any device at all is known: without one there is nothing to compare with. */
  anyKnown: boolean;
}

export interface LoginStep {
  secondFactor: boolean;
  /** Set when the login is from somewhere new for this user: the `unfamiliar_login` security event. */
  unfamiliar: { newDevice: boolean; newCountry: boolean } | null;
}

/**
 * Whether a password-correct login must also give the code. An enrolled user gives it from an
 * unfamiliar device or country (or always, by policy). An unfamiliar login is reported whether or
 * not the user is enrolled, except the very first sighting of a user who is not: no baseline.
 */
export function decideLoginStep(command: { enrolled: boolean; policy: 'unfamiliar' | 'always'; familiarity: Familiarity }): LoginStep {
  const { enrolled, policy, familiarity } = command;
  const newDevice = !familiarity.deviceKnown;
  const newCountry = familiarity.countryKnown === false;
  const isNew = newDevice || newCountry;
  return {
    secondFactor: enrolled && (policy === 'always' || isNew),
    unfamiliar: isNew && (familiarity.anyKnown || enrolled) ? { newDevice, newCountry } : null,
  };
}
