import { Email, Uuid, type UserResponse } from '@tessera/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { FailureMessage } from '../ui/FailureMessage.js';
import { UserPanel } from './UserPanel.js';

/** The scope that reaches anyone's tokens (DESIGN §5). */
export const ADMIN_SCOPE = 'ADMIN_TOKENS';

export function Admin({ api, session }: { api: TesseraApi; session: AuthSession }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);
  const [query, setQuery] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [user, setUser] = useState<UserResponse | null>(null);
  const [notFound, setNotFound] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();

  useEffect(() => headingRef.current?.focus(), []);
  useEffect(() => {
    if (user) resultRef.current?.focus();
  }, [user]);

  if (!session.hasScope(ADMIN_SCOPE)) {
    return (
      <main id="main" className="page">
        <h1 ref={headingRef} tabIndex={-1}>
          Admin: sessions of a user
        </h1>
        <p className="alert alert-warning" role="alert">
          This account can't use the admin page: it needs the {ADMIN_SCOPE} permission. <a href="/account">Back to your own sessions</a>.
        </p>
      </main>
    );
  }

  const search = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setNotFound(null);
    const text = query.trim();
    const byId = Uuid.safeParse(text);
    const byEmail = Email.safeParse(text);
    if (!byId.success && !byEmail.success) {
      setInputError('Enter an email address or a user id.');
      return;
    }
    setInputError(null);
    setPending(true);
    try {
      const found = await session.authorized((token) => (byId.success ? api.getUser(token, byId.data) : api.findUserByEmail(token, byEmail.data!)));
      setUser(found);
      if (found === null) setNotFound(text);
    } catch (error) {
      setFailure(toFailure(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1 ref={headingRef} tabIndex={-1}>
          Admin: sessions of a user
        </h1>
        <p className="lede">Find a user to see where they are signed in, their token counts and audit trail, and sign them out.</p>
      </div>
      <form className="card form search" role="search" onSubmit={search} noValidate>
        <div className="field">
          <label htmlFor={inputId}>Email or user id</label>
          <input
            id={inputId}
            type="text"
            inputMode="email"
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-invalid={inputError !== null}
            aria-describedby={inputError ? `${hintId} ${errorId}` : hintId}
          />
          <p id={hintId} className="hint">
            For example ann@example.org, or a user id like 0190f5a2-…
          </p>
          {inputError && (
            <p id={errorId} className="field-error" role="alert">
              {inputError}
            </p>
          )}
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Looking up…' : 'Find user'}
        </button>
      </form>
      <FailureMessage failure={failure} />
      {notFound !== null && (
        <p className="alert alert-info" role="status">
          No user matches “{notFound}”.
        </p>
      )}
      {user && <UserPanel key={user.id} api={api} session={session} user={user} headingRef={resultRef} />}
    </main>
  );
}
