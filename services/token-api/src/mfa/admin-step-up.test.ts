import { describe, expect, it } from 'vitest';
import { adminStepUpApplies } from './admin-step-up.js';

describe('adminStepUpApplies', () => {
  it.each([
    ['off', false, false],
    ['off', true, false],
    ['enrolled', false, false],
    ['enrolled', true, true],
    ['always', false, true],
    ['always', true, true],
  ] as const)('policy %s, admin enrolled %s → asks for a recent otp: %s', (policy, enrolled, expected) => {
    expect(adminStepUpApplies(policy, enrolled)).toBe(expected);
  });
});
