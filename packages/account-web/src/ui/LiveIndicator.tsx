import type { LiveStatus } from '../live/feed.js';

const TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: changes show up here at once',
  reconnecting: 'Live updates interrupted, reconnecting…',
  offline: "Live updates are off: reload the list to see changes",
};

export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <p className={`live live-${status}`} role="status">
      <span className="live-dot" aria-hidden="true" />
      {TEXT[status]}
    </p>
  );
}
