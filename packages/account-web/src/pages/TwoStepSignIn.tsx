import type { MfaStatusResponse, TotpEnrollResponse } from '@tessera/contracts';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { formatDateTime } from '../format/time.js';
import { CodeField } from '../ui/CodeField.js';
import { FailureMessage } from '../ui/FailureMessage.js';

type View =
  | { kind: 'loading' }
  | { kind: 'off' }
  /** Enrollment started: the QR code and key, waiting for a first code. */
  | { kind: 'scan'; enrollment: TotpEnrollResponse }
  /** Just turned on: the recovery codes, shown this once. */
  | { kind: 'codes'; codes: string[] }
  | { kind: 'on'; status: MfaStatusResponse };

/** A wrong password is a mistake in the form, not a dead session: say so by the field. */
const passwordFailure = (error: unknown): ApiFailure => {
  const failure = toFailure(error);
  return failure.kind === 'invalid_credentials' ? { kind: 'validation', fields: [{ path: 'password', message: 'is not right' }] } : failure;
};

/** The base32 key in groups of four, as people type it into an app. */
const groupKey = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * Two-step sign-in (TOTP) of the signed-in account: its state, enrollment (QR code or key, a
 * first code, the recovery codes once) and turning it off with the password and a code.
 * `changes` counts pushes that may have changed it elsewhere (MFA_DISABLED from another device).
 */
export function TwoStepSignIn({ api, session, changes }: { api: TesseraApi; session: AuthSession; changes: number }) {
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState('');
  const [pending, setPending] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const ids = { heading: useId(), password: useId(), key: useId() };

  const load = useCallback(async () => {
    try {
      const status = await session.authorized((token) => api.mfaStatus(token));
      setView(status.totp === 'enabled' ? { kind: 'on', status } : { kind: 'off' });
      setFailure(null);
    } catch (error) {
      if (!session.ended) setFailure(toFailure(error));
    }
  }, [api, session]);

  // On first show and after a push; never in the middle of an enrollment on this page.
  useEffect(() => {
    setView((current) => (current.kind === 'scan' || current.kind === 'codes' ? current : { kind: 'loading' }));
    void load();
  }, [load, changes]);

  const step = async (work: () => Promise<void>) => {
    setFailure(null);
    setDone('');
    setPending(true);
    try {
      await work();
      setPassword('');
      setCode('');
      headingRef.current?.focus();
    } catch (error) {
      if (!session.ended) setFailure(passwordFailure(error));
    } finally {
      setPending(false);
    }
  };

  const start = (event: FormEvent) => {
    event.preventDefault();
    void step(async () => {
      const enrollment = await session.authorized((token) => api.startTotp(token, password));
      setView({ kind: 'scan', enrollment });
    });
  };

  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void step(async () => {
      const confirmed = await session.authorized((token) => api.confirmTotp(token, code));
      setView({ kind: 'codes', codes: confirmed.recoveryCodes });
    });
  };

  const turnOff = (event: FormEvent) => {
    event.preventDefault();
    void step(async () => {
      await session.authorized((token) => api.disableTotp(token, { password, code }));
      setView({ kind: 'off' });
      setDone('Two-step sign-in is off. Your other devices were told.');
    });
  };

  const savedCodes = () => {
    setDone('');
    void load();
    headingRef.current?.focus();
  };

  const passwordField = (
    <div className="field">
      <label htmlFor={ids.password}>Password</label>
      <input id={ids.password} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
    </div>
  );
  const codeField = (hint: string) => <CodeField value={code} onChange={setCode} hint={hint} />;

  return (
    <section className="card form two-step" aria-labelledby={ids.heading}>
      <h2 id={ids.heading} ref={headingRef} tabIndex={-1}>
        Two-step sign-in
      </h2>
      <p className="visually-hidden" role="status" aria-live="polite">
        {done}
      </p>
      {done && <p className="alert alert-success">{done}</p>}

      {view.kind === 'loading' && <p className="loading">Loading…</p>}

      {view.kind === 'off' && (
        <form onSubmit={start} noValidate>
          <p>
            Two-step sign-in is <strong>off</strong>. With it on, signing in on a new device or from a new country also asks for a code from an
            authenticator app on your phone.
          </p>
          {passwordField}
          <FailureMessage failure={failure} />
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Starting…' : 'Set up two-step sign-in'}
          </button>
        </form>
      )}

      {view.kind === 'scan' && (
        <form onSubmit={confirm} noValidate>
          <p>Scan this QR code with your authenticator app, or type the key into it. Then enter the code the app shows.</p>
          <img className="qr-code" src={view.enrollment.qrCode} alt="QR code to scan with your authenticator app" width={200} height={200} />
          <p>
            Key: <code id={ids.key} className="mono secret-key">{groupKey(view.enrollment.secret)}</code>
          </p>
          {codeField('The 6 digits your authenticator app shows for this account.')}
          <FailureMessage failure={failure} />
          <div className="toolbar">
            <button type="submit" className="button button-primary" disabled={pending}>
              {pending ? 'Checking…' : 'Turn on'}
            </button>
            <button type="button" className="button" onClick={() => (setFailure(null), setView({ kind: 'off' }))}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {view.kind === 'codes' && (
        <div>
          <p className="alert alert-success">Two-step sign-in is on.</p>
          <p>
            Save these recovery codes somewhere safe. Each one signs you in once if you lose your phone. <strong>They are shown only now.</strong>
          </p>
          <ol className="recovery-codes" aria-label="Recovery codes">
            {view.codes.map((c) => (
              <li key={c}>
                <code className="mono">{c}</code>
              </li>
            ))}
          </ol>
          <button type="button" className="button button-primary" onClick={savedCodes}>
            I have saved my recovery codes
          </button>
        </div>
      )}

      {view.kind === 'on' && (
        <form onSubmit={turnOff} noValidate>
          <p>
            Two-step sign-in is <strong>on</strong>
            {view.status.enabledAt && <> since {formatDateTime(view.status.enabledAt)}</>}.{' '}
            {view.status.recoveryCodesRemaining === 1 ? '1 recovery code left.' : `${view.status.recoveryCodesRemaining} recovery codes left.`}
          </p>
          <p className="hint">To turn it off, enter your password and a current code (or a recovery code).</p>
          {passwordField}
          {codeField('The 6-digit code from your app, or a recovery code.')}
          <FailureMessage failure={failure} />
          <button type="submit" className="button button-danger" disabled={pending}>
            {pending ? 'Turning off…' : 'Turn off two-step sign-in'}
          </button>
        </form>
      )}

      {view.kind === 'loading' && <FailureMessage failure={failure} />}
    </section>
  );
}
