import { useId, useState, type FormEvent } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { FailureMessage } from '../ui/FailureMessage.js';

/**
 * A password change ends every session issued before it, this one included (DESIGN §5), so on
 * success the page signs out and says so.
 */
export function ChangePassword({ api, session }: { api: TesseraApi; session: AuthSession }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [pending, setPending] = useState(false);
  const ids = { current: useId(), next: useId(), repeat: useId(), hint: useId(), mismatch: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (next !== repeat) return setMismatch(true);
    setMismatch(false);
    setPending(true);
    try {
      await session.authorized((token) => api.changePassword(token, { currentPassword: current, newPassword: next }));
      session.end({ kind: 'password_changed', byThisPage: true });
    } catch (error) {
      // A wrong current password answers 401 invalid_credentials, which is not a dead session.
      const failed = toFailure(error);
      setFailure(failed.kind === 'invalid_credentials' ? { kind: 'validation', fields: [{ path: 'currentPassword', message: 'is not right' }] } : failed);
      setPending(false);
    }
  };

  return (
    <section className="card form" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <p className="hint">Changing your password signs out every device, this one included.</p>
      <form onSubmit={submit} noValidate>
        {/* Lets password managers file the new password under the right account. */}
        <input type="text" name="username" autoComplete="username" value={session.email} readOnly hidden />
        <div className="field">
          <label htmlFor={ids.current}>Current password</label>
          <input id={ids.current} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.next}>New password</label>
          <input
            id={ids.next}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={128}
            aria-describedby={ids.hint}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
          <p id={ids.hint} className="hint">
            8 to 128 characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor={ids.repeat}>Repeat new password</label>
          <input
            id={ids.repeat}
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            aria-describedby={mismatch ? ids.mismatch : undefined}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
          {mismatch && (
            <p id={ids.mismatch} className="field-error" role="alert">
              The two new passwords are not the same.
            </p>
          )}
        </div>
        <FailureMessage failure={failure} />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
