import { useId, useState, type FormEvent } from 'react';
import { Reason } from '@tessera/contracts';
import { useModal } from './use-modal.js';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  /** Ask for a reason (admin revocations): required, 1 to 256 characters, shown to the user. */
  askReason?: boolean;
  onConfirm: (reason: string | undefined) => void;
}

/** A modal confirmation (see useModal); focus returns to whatever opened it. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const titleId = useId();
  const bodyId = useId();
  const reasonId = useId();
  const errorId = useId();
  const { ref, restoreFocus } = useModal(request !== null, () => {
    setReason('');
    setReasonError(null);
  });

  const close = () => {
    onClose();
    restoreFocus();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!request) return;
    let given: string | undefined;
    if (request.askReason) {
      const parsed = Reason.safeParse(reason.trim());
      if (!parsed.success) {
        setReasonError(reason.trim() === '' ? 'Enter a reason: the user will see it.' : 'Keep the reason under 256 characters.');
        return;
      }
      given = parsed.data;
    }
    request.onConfirm(given);
    close();
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} aria-describedby={bodyId} onCancel={(e) => (e.preventDefault(), close())}>
      {request && (
        <form onSubmit={submit} noValidate>
          <h2 id={titleId}>{request.title}</h2>
          <p id={bodyId}>{request.body}</p>
          {request.askReason && (
            <div className="field">
              <label htmlFor={reasonId}>Reason (the user sees it)</label>
              <textarea
                id={reasonId}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                maxLength={256}
                rows={3}
                required
                autoFocus
                aria-invalid={reasonError !== null}
                aria-describedby={reasonError ? errorId : undefined}
              />
              {reasonError && (
                <p id={errorId} className="field-error">
                  {reasonError}
                </p>
              )}
            </div>
          )}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={close} autoFocus={!request.askReason}>
              Cancel
            </button>
            <button type="submit" className="button button-danger">
              {request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
