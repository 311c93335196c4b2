import type { TokenPairResponse } from '@tessera/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import { AuthSession, describeSignOut, type SignOutReason } from '../auth/session.js';
import { FailureMessage } from '../ui/FailureMessage.js';
import { SecondFactor } from './SecondFactor.js';

export interface SignInProps {
  api: TesseraApi;
  heading: string;
  /** Why the last session ended, if it did. */
  notice: SignOutReason | null;
  onSignedIn: (session: AuthSession) => void;
}

export function SignIn({ api, heading, notice, onSignedIn }: SignInProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [pending, setPending] = useState(false);
  /** Set while the second step is asked for: the single-use ticket the password step earned. */
  const [ticket, setTicket] = useState<string | null>(null);
  const [restartNote, setRestartNote] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const emailId = useId();
  const passwordId = useId();

  // After a sign-out the page changed under the person: start at the heading, so the notice below
  // it is read next. On a first visit, start in the form.
  const emailRef = useRef<HTMLInputElement>(null);
  useEffect(() => (notice ? headingRef.current : emailRef.current)?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setPending(true);
    setRestartNote(null);
    try {
      finish(await api.login({ email, password }));
    } catch (error) {
      const next = toFailure(error);
      setPending(false);
      if (next.kind === 'mfa_required') {
        setPassword('');
        return setTicket(next.ticket);
      }
      setFailure(next);
      if (next.kind === 'invalid_credentials') {
        passwordRef.current?.focus();
        passwordRef.current?.select();
      }
    }
  };

  const finish = (pair: TokenPairResponse) => {
    setPassword('');
    onSignedIn(new AuthSession(pair, email.trim().toLowerCase(), { refresh: (token) => api.refresh(token) }));
  };

  const told = notice ? describeSignOut(notice) : null;
  return (
    <main id="main" className="page page-narrow">
      <h1 ref={headingRef} tabIndex={-1}>
        {heading}
      </h1>
      {told && (
        <div className={`alert ${told.unexpected ? 'alert-warning' : 'alert-info'}`} role={told.unexpected ? 'alert' : 'status'}>
          {told.message}
        </div>
      )}
      {restartNote && (
        <div className="alert alert-warning" role="alert">
          {restartNote}
        </div>
      )}
      {ticket !== null ? (
        <>
          <SecondFactor
            api={api}
            ticket={ticket}
            onSignedIn={finish}
            onRestart={(message) => {
              setTicket(null);
              setRestartNote(message);
            }}
          />
          <button type="button" className="button" onClick={() => setTicket(null)}>
            Start over
          </button>
        </>
      ) : (
        <form className="card form" onSubmit={submit} noValidate aria-describedby={failure ? 'signin-error' : undefined}>
          <h2 className="form-title">Sign in</h2>
          <div className="field">
            <label htmlFor={emailId}>Email</label>
            <input id={emailId} ref={emailRef} type="email" name="email" autoComplete="username" inputMode="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>Password</label>
            <input
              id={passwordId}
              ref={passwordRef}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <div id="signin-error">
            <FailureMessage failure={failure} />
          </div>
          <button type="submit" className="button button-primary button-block" disabled={pending}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </main>
  );
}
