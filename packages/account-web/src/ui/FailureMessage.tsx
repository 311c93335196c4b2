import type { Ref } from 'react';
import { describeFailure, type ApiFailure } from '../api/failure.js';
import { useNow } from './use-now.js';

/**
 * An error a person can act on, announced by screen readers (role=alert). A lock or rate limit
 * counts down to the moment a retry can work.
 */
export function FailureMessage({ failure, ref }: { failure: ApiFailure | null; ref?: Ref<HTMLDivElement> }) {
  const retryAt = failure !== null && (failure.kind === 'locked' || failure.kind === 'rate_limited') ? failure.retryAt : null;
  const now = useNow(1_000, retryAt !== null);
  if (failure === null) return null;
  return (
    <div ref={ref} className="alert alert-error" role="alert" tabIndex={-1}>
      {retryAt !== null && retryAt <= now ? 'You can try again now.' : describeFailure(failure, now)}
    </div>
  );
}
