// The list a person reads: one entry per session (refresh family), not per token. A session is
// one sign-in on one device; rotation adds tokens to it without making it a new session.
import { UuidV7, uuidV7Timestamp, type ActiveToken, type Device } from '@tessera/contracts';

export interface SessionView {
  familyId: string;
  device: Device;
  clientIp: string;
  country: string | null;
  /** When the person signed in: the family id's instant (a UUIDv7 minted at login), else its oldest token. */
  signedInAt: string;
  lastActiveAt: string;
  current: boolean;
  /** Revoking any of these ends the session (DESIGN §5: a refresh token revokes its family). */
  refreshTokenIds: string[];
  tokenIds: string[];
}

const latest = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

export function groupSessions(tokens: readonly ActiveToken[], currentSessionId: string | null): SessionView[] {
  const families = new Map<string, ActiveToken[]>();
  for (const token of tokens) {
    const key = token.familyId.toLowerCase();
    const list = families.get(key);
    if (list) list.push(token);
    else families.set(key, [token]);
  }
  const sessions: SessionView[] = [];
  for (const [familyId, members] of families) {
    // The newest token speaks for the session: its IP is where the device was last seen.
    const sorted = [...members].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    const newest = sorted[0]!;
    const oldest = sorted[sorted.length - 1]!;
    const lastActiveAt = members.map((t) => t.lastUsedAt ?? t.createdAt).reduce(latest);
    sessions.push({
      familyId,
      device: newest.device,
      clientIp: newest.clientIp,
      country: sorted.find((t) => t.country !== undefined)?.country ?? null,
      signedInAt: UuidV7.safeParse(familyId).success ? new Date(uuidV7Timestamp(familyId)).toISOString() : oldest.createdAt,
      lastActiveAt,
      current: familyId === currentSessionId?.toLowerCase() || members.some((t) => t.current === true),
      refreshTokenIds: sorted.filter((t) => t.tokenType === 'REFRESH').map((t) => t.tokenId.toLowerCase()),
      tokenIds: sorted.map((t) => t.tokenId.toLowerCase()),
    });
  }
  // This device first, then the most recently active.
  return sessions.sort((a, b) => Number(b.current) - Number(a.current) || Date.parse(b.lastActiveAt) - Date.parse(a.lastActiveAt));
}

/** "Chrome on macOS", "Safari on iOS", "Unknown browser". */
export function deviceLabel(device: Device): string {
  const known = (name: string) => name !== '' && name.toLowerCase() !== 'unknown';
  const browser = known(device.browser) ? device.browser : 'Unknown browser';
  return known(device.os) ? `${browser} on ${device.os}` : browser;
}

/** Country name from the ISO code, in the page's language; the code itself if Intl has none. */
export function countryName(code: string, locale = 'en'): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
