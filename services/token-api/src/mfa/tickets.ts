import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../secrets/tokens.js';

/**
 * An MFA ticket: 256 random bits behind an `mfa_` prefix, so it can never pass for a refresh
 * token or a JWT at any other endpoint. Stored as SHA-256 only.
 */
export function newMfaTicket(): { ticket: string; hash: string } {
  const ticket = `mfa_${randomBytes(32).toString('base64url')}`;
  return { ticket, hash: mfaTicketHash(ticket) };
}

export function mfaTicketHash(ticket: string): string {
  return sha256Hex(ticket);
}
