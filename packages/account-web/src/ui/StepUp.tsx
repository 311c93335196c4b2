import { useCallback, useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { CodeField } from './CodeField.js';
import { FailureMessage } from './FailureMessage.js';
import { useModal } from './use-modal.js';

export interface StepUp {
  /**
   * Runs `call`; when token-api answers that it needs a recent second factor (RFC 9470), asks for
   * a code, steps the session up and runs `call` once more. Cancelling rethrows the refusal.
   */
  withStepUp: <T>(call: () => Promise<T>) => Promise<T>;
  /** The dialog that asks for the code; render it once in the page. */
  dialog: ReactNode;
}

export function useStepUp(api: TesseraApi, session: AuthSession): StepUp {
  const [answer, setAnswer] = useState<((steppedUp: boolean) => void) | null>(null);

  const withStepUp = useCallback(async <T,>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError && error.failure.kind === 'step_up_required')) throw error;
      // A function given to setState is an updater: wrap the resolver so it is stored as is.
      const steppedUp = await new Promise<boolean>((resolve) => setAnswer(() => resolve));
      if (!steppedUp) throw error;
      return call();
    }
  }, []);

  const verify = async (code: string) => {
    const stepped = await session.authorized((token) => api.stepUp(token, code));
    session.adoptStepUp(stepped.access_token);
  };
  const done = (steppedUp: boolean) => {
    answer?.(steppedUp);
    setAnswer(null);
  };

  return { withStepUp, dialog: <StepUpDialog open={answer !== null} verify={verify} onDone={done} /> };
}

/** Asks for a current code (or a recovery code) and checks it with token-api before closing. */
function StepUpDialog({ open, verify, onDone }: { open: boolean; verify: (code: string) => Promise<void>; onDone: (steppedUp: boolean) => void }) {
  const [code, setCode] = useState('');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [pending, setPending] = useState(false);
  const ids = { title: useId(), body: useId() };
  const { ref, restoreFocus } = useModal(open, () => {
    setCode('');
    setFailure(null);
    setPending(false);
  });

  const finish = (steppedUp: boolean) => {
    onDone(steppedUp);
    restoreFocus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setPending(true);
    try {
      await verify(code);
      finish(true);
    } catch (error) {
      setFailure(toFailure(error));
      setPending(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.body} onCancel={(e) => (e.preventDefault(), finish(false))}>
      {open && (
        <form onSubmit={submit} noValidate>
          <h2 id={ids.title}>Confirm it's you</h2>
          <p id={ids.body}>This action needs a fresh code from your authenticator app (or one of your recovery codes).</p>
          <CodeField value={code} onChange={setCode} autoFocus />
          <FailureMessage failure={failure} />
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => finish(false)}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={pending}>
              {pending ? 'Checking…' : 'Confirm'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
