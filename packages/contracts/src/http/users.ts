// Admin look-up of users (the admin web page finds a user by email or id before it shows their
// sessions). Served by token-api, which owns `users`.
import { z } from 'zod';
import { Email } from '../ids.js';
import { page } from './pagination.js';
import { UserResponse } from './auth.js';

/** GET /api/v1/users?email=: exact match on the normalised email, so zero or one item. */
export const UserLookupQuery = z.strictObject({ email: Email });
export type UserLookupQuery = z.infer<typeof UserLookupQuery>;

export const UserListResponse = page(UserResponse);
export type UserListResponse = z.infer<typeof UserListResponse>;
