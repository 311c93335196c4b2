// The package surface. Named re-exports only; a name missing here is internal.
export {
  ContractError,
  InvalidEventError,
  InvalidKvKeyError,
  InvalidScopeError,
  InvalidSubjectError,
  InvalidUuidV7Error,
} from './errors.js';

export {
  Count,
  CountryCode,
  Email,
  EpochMillis,
  EpochSeconds,
  Fingerprint,
  IpAddress,
  IsoDateTime,
  IsoDateTimeInput,
  Reason,
  UserAgent,
  Uuid,
  UuidV7,
  uuidV7Timestamp,
} from './ids.js';

export {
  ADMIN_SCOPES,
  Role,
  SCOPES,
  Scope,
  ScopeList,
  formatScopes,
  isAdminScope,
  isScopeAllowedForRole,
  parseScopeString,
} from './scopes.js';
export type { AdminScope } from './scopes.js';

export {
  Actor,
  EVENT_SUBJECT_NAME,
  JwtAlg,
  KeyEvent,
  KeyId,
  LogoutAll,
  MfaDisabled,
  MfaEnabled,
  MfaMethod,
  PasswordChanged,
  RecoveryCodeUsed,
  SigningKeyRotated,
  TokenEvent,
  TokenEventType,
  TokenExpired,
  TokenExpiring,
  TokenIssued,
  TokenReuseDetected,
  TokenRevoked,
  TokenType,
  TokenValidationFailed,
  UNKNOWN_USER_ID,
  ValidationFailureReason,
  createKeyEvent,
  createTokenEvent,
  parseKeyEvent,
  parseTokenEvent,
} from './events.js';
export type { TokenEventName, TokenEventOf } from './events.js';

export {
  ALL_DLQ_SUBJECTS,
  ALL_KEY_EVENTS,
  ALL_TOKEN_EVENTS,
  DurableName,
  KEY_ROTATED_SUBJECT,
  dlqSubject,
  parseTokenEventSubject,
  tokenEventFilter,
  tokenEventSubject,
  userEventsFilter,
} from './subjects.js';

export {
  CONSUMERS,
  DURABLE,
  KV_BUCKET,
  REVOCATION_KEY_PREFIX,
  RevokedSessionEntry,
  RevokedTokenEntry,
  STREAM,
  STREAMS,
  UserCutoffEntry,
  parseRevocationKey,
  revokedSessionKey,
  revokedTokenKey,
  userCutoffKey,
} from './names.js';
export type { DurableConsumerName, RevocationKeyKind, StreamName } from './names.js';

export { ERROR_STATUS, ErrorCode, PROBLEM_CONTENT_TYPE, Problem, ProblemFieldError } from './problem.js';

export { Cursor, MAX_PAGE_SIZE, PageQuery, page } from './http/pagination.js';
export type { Page } from './http/pagination.js';
export {
  AccessTokenString,
  LoginRequest,
  NewPassword,
  PasswordAttempt,
  PasswordChangeRequest,
  RefreshRequest,
  RefreshTokenString,
  RegisterRequest,
  TokenPairResponse,
  UserResponse,
} from './http/auth.js';
export {
  ActiveToken,
  ActiveTokensResponse,
  ClientIpParam,
  Device,
  DeviceType,
  IpToken,
  IpTokensResponse,
  LogoutAllResponse,
  RevokeTokenRequest,
  RevokeTokenResponse,
  TokenDetails,
  TokenIdParam,
  TokenStats,
  TokenStatus,
  UserIdParam,
} from './http/tokens.js';
export { UserListResponse, UserLookupQuery } from './http/users.js';
export {
  MfaCode,
  MfaLoginRequest,
  MfaRequiredProblem,
  MfaStatusResponse,
  MfaStepUpRequest,
  MfaTicket,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RecoveryCode,
  RecoveryCodeString,
  StepUpResponse,
  TOTP_ALGORITHM,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TotpCode,
  TotpConfirmRequest,
  TotpConfirmResponse,
  TotpDisableRequest,
  TotpEnrollRequest,
  TotpEnrollResponse,
  normalizeRecoveryCode,
} from './http/mfa.js';
export {
  AuditEntry,
  AuditQuery,
  AuditRebuildStatus,
  AuditTrailResponse,
  BruteForceQuery,
  BruteForceResponse,
  BruteForceSuspect,
  DailySummaryDay,
  DailySummaryQuery,
  DailySummaryResponse,
  UnusualUsageQuery,
  UnusualUsageResponse,
  UnusualUsageSuspect,
} from './http/audit.js';
export {
  IntrospectActiveResponse,
  IntrospectInactiveResponse,
  IntrospectRequest,
  IntrospectResponse,
  OAuthErrorResponse,
  OAuthRevokeRequest,
  TokenTypeHint,
} from './http/oauth.js';
export {
  BlacklistCleanupResponse,
  BlacklistSizeResponse,
  HealthCheck,
  HealthResponse,
  HealthStatus,
} from './http/ops.js';

export {
  ClientMessage,
  ServerMessage,
  WS_AUTH_TIMEOUT_SECONDS,
  WS_MAX_CLIENT_MESSAGE_CHARS,
  WsAuth,
  WsCloseCode,
  WsError,
  WsErrorCode,
  WsLogoutAll,
  WsMfaDisabled,
  WsPasswordChanged,
  WsPing,
  WsPong,
  WsSubscribe,
  WsSubscribed,
  WsTokenExpired,
  WsTokenExpiring,
  WsTokenRevoked,
  parseClientMessage,
  serverMessageForEvent,
} from './ws.js';
export type { ParseClientMessageResult } from './ws.js';
