import { useEffect, useRef } from 'react';

/**
 * A modal on the native <dialog>: showModal() traps focus, makes the rest of the page inert and
 * closes on Escape. Opens when `open` turns true (calling `onOpen` first, to reset the form),
 * closes when it turns false; `restoreFocus` puts focus back on whatever opened it.
 */
export function useModal(open: boolean, onOpen: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const onOpenRef = useRef(onOpen);
  onOpenRef.current = onOpen;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      onOpenRef.current();
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  const restoreFocus = () => {
    const back = opener.current;
    // The opener may be gone (its session vanished meanwhile); the page then moves focus itself.
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  };

  return { ref, restoreFocus };
}
