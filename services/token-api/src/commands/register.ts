import type { RegisterRequest, Role, UserResponse } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { v7 } from 'uuid';
import type { TokenApiDeps } from '../deps.js';
import type { UserRow } from '../db/schema.js';
import { insertUser } from '../repo/users.js';

export function toUserResponse(row: UserRow): UserResponse {
  return { id: row.id, email: row.email, role: row.role, createdAt: row.created_at.toISOString() };
}

/** POST /api/v1/users (and the admin bootstrap): a new account; its email must be free. */
export async function registerUser(deps: Pick<TokenApiDeps, 'db' | 'passwords' | 'clock' | 'logger'>, input: RegisterRequest, role: Role = 'user', createdBy?: string): Promise<UserResponse> {
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock();
  const row = await insertUser(deps.db, { id: v7({ msecs: now }), email: input.email, passwordHash, role, now: new Date(now) });
  if (!row) throw new AppError(409, 'conflict', 'An account with this email already exists');
  logSecurityEvent(deps.logger, 'user_registered', { user_id: row.id, role, ...(createdBy ? { created_by: createdBy } : {}) });
  return toUserResponse(row);
}
