// Bodies and params of the seven token-management endpoints (DESIGN §5).
import { z } from 'zod';
import { TokenType } from '../events.js';
import { Count, CountryCode, IpAddress, IsoDateTime, Email, Reason, UserAgent, Uuid } from '../ids.js';
import { ScopeList } from '../scopes.js';
import { page } from './pagination.js';

export const TokenStatus = z.enum(['ACTIVE', 'EXPIRED', 'REVOKED']);
export type TokenStatus = z.infer<typeof TokenStatus>;

/** Coarse device class parsed from the User-Agent; `other` covers TVs, consoles, unknown. */
export const DeviceType = z.enum(['desktop', 'mobile', 'tablet', 'bot', 'other']);
export type DeviceType = z.infer<typeof DeviceType>;

/** Parsed from the User-Agent at issue; names are `Unknown` when the parser has none. */
export const Device = z.strictObject({
  browser: z.string().max(64),
  os: z.string().max(64),
  type: DeviceType,
});
export type Device = z.infer<typeof Device>;

/** One entry of GET /tokens/active. */
export const ActiveToken = z.strictObject({
  tokenId: Uuid,
  tokenType: TokenType,
  familyId: Uuid,
  device: Device,
  clientIp: IpAddress,
  /** Country of `clientIp` at issue, from the edge's trusted geo header (DESIGN §6); absent when unknown. */
  country: CountryCode.optional(),
  createdAt: IsoDateTime,
  lastUsedAt: IsoDateTime.nullable(),
  expiresAt: IsoDateTime,
  /** True for the token (or session) making this request. */
  current: z.boolean().optional(),
});
export type ActiveToken = z.infer<typeof ActiveToken>;

export const ActiveTokensResponse = page(ActiveToken);
export type ActiveTokensResponse = z.infer<typeof ActiveTokensResponse>;

/** GET /tokens/stats. Type and status records list every key, with 0 where none. */
export const TokenStats = z.strictObject({
  total: Count,
  byType: z.record(TokenType, Count),
  byStatus: z.record(TokenStatus, Count),
  /** Keyed by DeviceType. */
  byDevice: z.record(z.string().max(32), Count),
});
export type TokenStats = z.infer<typeof TokenStats>;

/** GET /tokens/{tokenId}/details: everything recorded about one token. */
export const TokenDetails = z.strictObject({
  tokenId: Uuid,
  userId: Uuid,
  email: Email,
  tokenType: TokenType,
  status: TokenStatus,
  familyId: Uuid,
  parentTokenId: Uuid.nullable(),
  successorTokenId: Uuid.nullable(),
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
  lastUsedAt: IsoDateTime.nullable(),
  clientIp: IpAddress,
  userAgent: UserAgent,
  device: Device,
  scopes: ScopeList,
  revoked: z.boolean(),
  revocationReason: Reason.nullable(),
  revokedAt: IsoDateTime.nullable(),
  /** Free-form JSON the issuer attached (e.g. allowed countries). */
  metadata: z.record(z.string().max(64), z.json()),
});
export type TokenDetails = z.infer<typeof TokenDetails>;

/** One entry of GET /tokens/device/{clientIp} (admin): spans users, so it names the user. */
export const IpToken = ActiveToken.omit({ current: true }).extend({ userId: Uuid, status: TokenStatus });
export type IpToken = z.infer<typeof IpToken>;

export const IpTokensResponse = page(IpToken);
export type IpTokensResponse = z.infer<typeof IpTokensResponse>;

/** DELETE /tokens/{tokenId}, as body or query. */
export const RevokeTokenRequest = z.strictObject({ reason: Reason.optional() });
export type RevokeTokenRequest = z.infer<typeof RevokeTokenRequest>;

/** Revoking a refresh token revokes its family, hence a count. */
export const RevokeTokenResponse = z.strictObject({
  tokenId: Uuid,
  revoked: z.literal(true),
  revokedCount: Count,
});
export type RevokeTokenResponse = z.infer<typeof RevokeTokenResponse>;

/** DELETE /tokens/all/{userId} */
export const LogoutAllResponse = z.strictObject({ userId: Uuid, revokedCount: Count });
export type LogoutAllResponse = z.infer<typeof LogoutAllResponse>;

export const TokenIdParam = z.strictObject({ tokenId: Uuid });
export type TokenIdParam = z.infer<typeof TokenIdParam>;

export const UserIdParam = z.strictObject({ userId: Uuid });
export type UserIdParam = z.infer<typeof UserIdParam>;

export const ClientIpParam = z.strictObject({ clientIp: IpAddress });
export type ClientIpParam = z.infer<typeof ClientIpParam>;
