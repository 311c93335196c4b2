// How times read on the page: durations for waits ("14 minutes"), relative times for activity
// ("5 minutes ago"), and absolute local times for the record.

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A wait in words: seconds (rounded up) under a minute, else whole minutes to the nearest, so a
 * lock of 900 s reads "15 minutes" even when Retry-After, rounded up by the server, says 901.
 * The page counts down each second, so the last minute is shown exactly.
 */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return plural(s, 'second');
  const minutes = Math.round(s / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(rest, 'minute')}`;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "in 3 days" (future instants are expiries). */
export function formatRelative(iso: string, nowMs: number, locale = 'en'): string {
  const deltaSeconds = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (Math.abs(deltaSeconds) < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(deltaSeconds) >= size) return rtf.format(Math.round(deltaSeconds / size), unit);
  }
  return rtf.format(Math.round(deltaSeconds / 60), 'minute');
}

/** Full local date and time, for `title` attributes and the audit table. */
export function formatDateTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
