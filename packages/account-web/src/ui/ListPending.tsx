import type { ApiFailure } from '../api/failure.js';
import { FailureMessage } from './FailureMessage.js';

/** The list's place while it has never been read: loading, or why not and a way to retry. */
export function ListPending({ failure, onRetry, what }: { failure: ApiFailure | null; onRetry: () => void; what: string }) {
  if (failure === null) {
    return (
      <p className="loading" aria-busy="true">
        Loading {what}…
      </p>
    );
  }
  return (
    <div className="card">
      <p>Couldn't load {what}.</p>
      <FailureMessage failure={failure} />
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
