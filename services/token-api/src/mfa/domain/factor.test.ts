import { describe, expect, it } from 'vitest';
import { NOW, PHONE, USER, counterIds } from '../../domain/testing.js';
import { decideConfirmEnrollment, decideDisable, decideLoginStep, decidePresentedCode, decideStartEnrollment, type CodeCheck, type FactorState, type Familiarity } from './factor.js';

const context = () => ({ userId: USER.id, actor: { kind: 'user' as const, id: USER.id }, client: PHONE, now: NOW, nextId: counterIds() });
const active = (lastUsedStep: number | null = null): FactorState => ({ status: 'active', lastUsedStep });
const totp = (matchedStep: number | null): CodeCheck => ({ kind: 'totp', matchedStep });
const STEP = 58_949_040;

describe('decidePresentedCode', () => {
  it('given an active factor, when a code matches a step later than the last used one, accepts it and emits nothing', () => {
    expect(decidePresentedCode(active(STEP - 1), totp(STEP), context())).toEqual({ ok: true, method: 'totp', step: STEP, events: [] });
    expect(decidePresentedCode(active(null), totp(STEP), context())).toMatchObject({ ok: true, step: STEP });
  });

  it('given a code already accepted for this step, refuses the replay; an earlier step still in the window too', () => {
    expect(decidePresentedCode(active(STEP), totp(STEP), context())).toEqual({ ok: false, reason: 'replayed' });
    expect(decidePresentedCode(active(STEP), totp(STEP - 1), context())).toEqual({ ok: false, reason: 'replayed' });
  });

  it('given a code matching no step, refuses it as wrong', () => {
    expect(decidePresentedCode(active(), totp(null), context())).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it('given a matching unused recovery code, accepts it and emits RecoveryCodeUsed with the codes left', () => {
    const outcome = decidePresentedCode(active(STEP), { kind: 'recovery', matched: true, remainingAfterUse: 9 }, context());
    expect(outcome).toMatchObject({ ok: true, method: 'recovery', remaining: 9 });
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.events).toEqual([
      expect.objectContaining({ type: 'RecoveryCodeUsed', userId: USER.id, occurredAt: '2026-01-15T10:00:00.000Z', data: { remaining: 9, clientIp: PHONE.ip, userAgent: PHONE.userAgent } }),
    ]);
    expect(decidePresentedCode(active(), { kind: 'recovery', matched: false, remainingAfterUse: 3 }, context())).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it('given no active factor (none, or only pending), accepts no code at all', () => {
    for (const state of [{ status: 'none' }, { status: 'pending' }] as FactorState[]) {
      expect(decidePresentedCode(state, totp(STEP), context())).toEqual({ ok: false, reason: 'not_enrolled' });
      expect(decidePresentedCode(state, { kind: 'recovery', matched: true, remainingAfterUse: 9 }, context())).toEqual({ ok: false, reason: 'not_enrolled' });
    }
  });
});

describe('enrollment', () => {
  it('starts (or restarts) unless a factor is active', () => {
    expect(decideStartEnrollment({ status: 'none' })).toEqual({ ok: true });
    expect(decideStartEnrollment({ status: 'pending' })).toEqual({ ok: true });
    expect(decideStartEnrollment(active())).toEqual({ ok: false, reason: 'already_enabled' });
  });

  it('given a pending secret, a matching code activates it: MfaEnabled with the recovery-code count, and the step counts as used', () => {
    const outcome = decideConfirmEnrollment({ status: 'pending' }, STEP, 10, context());
    expect(outcome).toMatchObject({ ok: true, step: STEP });
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.events).toEqual([expect.objectContaining({ type: 'MfaEnabled', data: { method: 'totp', recoveryCodes: 10, clientIp: PHONE.ip, userAgent: PHONE.userAgent } })]);
  });

  it('refuses a wrong code, a confirmation without enrollment, and a second activation', () => {
    expect(decideConfirmEnrollment({ status: 'pending' }, null, 10, context())).toEqual({ ok: false, reason: 'wrong_code' });
    expect(decideConfirmEnrollment({ status: 'none' }, STEP, 10, context())).toEqual({ ok: false, reason: 'not_pending' });
    expect(decideConfirmEnrollment(active(), STEP, 10, context())).toEqual({ ok: false, reason: 'already_enabled' });
  });
});

describe('decideDisable', () => {
  it('given an active factor and a fresh code, emits MfaDisabled', () => {
    const outcome = decideDisable(active(STEP - 1), totp(STEP), context());
    expect(outcome).toMatchObject({ ok: true, events: [{ type: 'MfaDisabled', data: { method: 'totp' } }] });
  });

  it('with a recovery code, emits RecoveryCodeUsed then MfaDisabled', () => {
    const outcome = decideDisable(active(), { kind: 'recovery', matched: true, remainingAfterUse: 4 }, context());
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.events.map((e) => e.type)).toEqual(['RecoveryCodeUsed', 'MfaDisabled']);
  });

  it('refuses a replayed or wrong code, and a user without a factor', () => {
    expect(decideDisable(active(STEP), totp(STEP), context())).toEqual({ ok: false, reason: 'replayed' });
    expect(decideDisable(active(), totp(null), context())).toEqual({ ok: false, reason: 'wrong_code' });
    expect(decideDisable({ status: 'pending' }, totp(STEP), context())).toEqual({ ok: false, reason: 'not_enrolled' });
  });
});

describe('decideLoginStep', () => {
  const known: Familiarity = { deviceKnown: true, countryKnown: true, anyKnown: true };

  it('an enrolled user on a known device in a known country signs in with the password alone', () => {
    expect(decideLoginStep({ enrolled: true, policy: 'unfamiliar', familiarity: known })).toEqual({ secondFactor: false, unfamiliar: null });
    expect(decideLoginStep({ enrolled: true, policy: 'unfamiliar', familiarity: { ...known, countryKnown: null } })).toEqual({ secondFactor: false, unfamiliar: null });
  });

  it('an enrolled user on a new device or from a new country must give the code, and it is reported', () => {
    expect(decideLoginStep({ enrolled: true, policy: 'unfamiliar', familiarity: { ...known, deviceKnown: false } })).toEqual({ secondFactor: true, unfamiliar: { newDevice: true, newCountry: false } });
    expect(decideLoginStep({ enrolled: true, policy: 'unfamiliar', familiarity: { ...known, countryKnown: false } })).toEqual({ secondFactor: true, unfamiliar: { newDevice: false, newCountry: true } });
    // Nothing known at all (devices forgotten after the TTL): the code, and a report.
    expect(decideLoginStep({ enrolled: true, policy: 'unfamiliar', familiarity: { deviceKnown: false, countryKnown: false, anyKnown: false } })).toEqual({ secondFactor: true, unfamiliar: { newDevice: true, newCountry: true } });
  });

  it('policy always asks an enrolled user every time', () => {
    expect(decideLoginStep({ enrolled: true, policy: 'always', familiarity: known })).toEqual({ secondFactor: true, unfamiliar: null });
  });

  it('a user without MFA is never asked; an unfamiliar login is still reported, but not the very first one', () => {
    expect(decideLoginStep({ enrolled: false, policy: 'always', familiarity: { ...known, deviceKnown: false } })).toEqual({ secondFactor: false, unfamiliar: { newDevice: true, newCountry: false } });
    expect(decideLoginStep({ enrolled: false, policy: 'unfamiliar', familiarity: { deviceKnown: false, countryKnown: false, anyKnown: false } })).toEqual({ secondFactor: false, unfamiliar: null });
  });
});
