// How a push from /ws/tokens changes the list on screen. Pure: the page keeps the tokens it
// last read, applies each push at once (so a revoked session disappears without a round trip),
// and re-reads the list when a push names something it has not seen.
import type { ActiveToken, ServerMessage } from '@tessera/contracts';

export interface PushResult {
  tokens: ActiveToken[];
  /** The push concerns tokens the page has not read (issued since): read the list again. */
  refetch: boolean;
  /** Sessions (family ids) that disappeared because of this push. */
  removedFamilies: string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function withoutFamilies(tokens: ActiveToken[], families: Set<string>): ActiveToken[] {
  return tokens.filter((t) => !families.has(t.familyId.toLowerCase()));
}

/** Families that had tokens before and have none after. */
function vanished(before: readonly ActiveToken[], after: readonly ActiveToken[]): string[] {
  const left = new Set(after.map((t) => t.familyId.toLowerCase()));
  return [...new Set(before.map((t) => t.familyId.toLowerCase()))].filter((f) => !left.has(f));
}

export function applyPush(tokens: readonly ActiveToken[], message: ServerMessage): PushResult {
  const list = [...tokens];
  const result = (next: ActiveToken[], refetch: boolean): PushResult => ({ tokens: next, refetch, removedFamilies: vanished(list, next) });
  switch (message.type) {
    case 'TOKEN_REVOKED': {
      const hit = list.find((t) => same(t.tokenId, message.tokenId));
      if (!hit) return result(list, true);
      // A revoked refresh token ends its whole session; an access token alone does not.
      if (hit.tokenType === 'REFRESH') return result(withoutFamilies(list, new Set([hit.familyId.toLowerCase()])), false);
      return result(
        list.filter((t) => t !== hit),
        false,
      );
    }
    case 'TOKEN_EXPIRED': {
      const hit = list.find((t) => same(t.tokenId, message.tokenId));
      if (!hit) return result(list, false);
      const rest = list.filter((t) => t !== hit);
      const family = hit.familyId.toLowerCase();
      const refreshLeft = rest.some((t) => t.familyId.toLowerCase() === family && t.tokenType === 'REFRESH');
      return result(hit.tokenType === 'REFRESH' && !refreshLeft ? withoutFamilies(rest, new Set([family])) : rest, false);
    }
    case 'LOGOUT_ALL':
    case 'PASSWORD_CHANGED': {
      // Everything issued up to the event is dead (DESIGN §4); a session signed in after it lives.
      const at = Date.parse(message.at);
      return result(
        list.filter((t) => Date.parse(t.createdAt) > at),
        true,
      );
    }
    case 'SUBSCRIBED':
    case 'TOKEN_EXPIRING':
    case 'MFA_DISABLED':
    case 'PONG':
    case 'ERROR':
      return result(list, false);
    default: {
      const unhandled: never = message;
      return unhandled;
    }
  }
}
