import { useEffect, useRef, useState, type FormEvent } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { TokenPairResponse } from '@tessera/contracts';
import { CodeField } from '../ui/CodeField.js';
import { FailureMessage } from '../ui/FailureMessage.js';

export interface SecondFactorProps {
  api: TesseraApi;
  ticket: string;
  onSignedIn: (pair: TokenPairResponse) => void;
  /** The ticket is gone (expired or used up): back to the password, with this message. */
  onRestart: (message: string) => void;
}

/** The second step of a sign-in that answered mfa_required: a TOTP code or a recovery code. */
export function SecondFactor({ api, ticket, onSignedIn, onRestart }: SecondFactorProps) {
  const [code, setCode] = useState('');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [pending, setPending] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => inputRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setPending(true);
    try {
      onSignedIn(await api.loginMfa(ticket, code));
    } catch (error) {
      const next = toFailure(error);
      setPending(false);
      if (next.kind === 'unauthorized') return onRestart('That sign-in took too long. Enter your password again.');
      setFailure(next);
      inputRef.current?.select();
    }
  };

  return (
    <form className="card form" onSubmit={submit} noValidate>
      <h2 className="form-title">Two-step sign-in</h2>
      <CodeField value={code} onChange={setCode} inputRef={inputRef} hint="The 6-digit code from your authenticator app, or one of your recovery codes." />
      <FailureMessage failure={failure} />
      <button type="submit" className="button button-primary button-block" disabled={pending}>
        {pending ? 'Checking…' : 'Continue'}
      </button>
    </form>
  );
}
