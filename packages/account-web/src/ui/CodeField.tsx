import { useId, type Ref } from 'react';

/**
 * The "Authentication code" field of every second-factor form: a TOTP code or a recovery code,
 * with the autofill hint password managers and phones use for one-time codes.
 */
export function CodeField({ value, onChange, hint, inputRef, autoFocus }: { value: string; onChange: (value: string) => void; hint?: string; inputRef?: Ref<HTMLInputElement>; autoFocus?: boolean }) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Authentication code</label>
      <input
        id={id}
        ref={inputRef}
        name="code"
        type="text"
        autoComplete="one-time-code"
        autoCapitalize="characters"
        spellCheck={false}
        required
        autoFocus={autoFocus}
        aria-describedby={hint ? hintId : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
