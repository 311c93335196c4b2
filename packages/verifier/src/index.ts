// @tessera/verifier: in-process access-token validation (DESIGN §4 and §6).
export { createVerifier, type Verifier, type VerifyResult, type VerifierStatus } from './verifier.js';
export { createServiceVerifier, verifierConfigShape, type ServiceVerifierOptions, type VerifierConfig } from './service-config.js';
export { StalePolicy, type VerifierOptions, type VerifyContext, type VerifierEvent, type IpChange } from './options.js';
export { VERIFY_FAILURE_REASONS, isVerifierStateReason, type VerifyFailureReason } from './reasons.js';
export { AccessTokenClaims, ACCESS_TOKEN_TYP, UserAgentFingerprint } from './claims.js';
export { userAgentFingerprint } from './fingerprint.js';
export { RevocationMirror, type RevocationMirrorOptions, type MirrorEvent, type MirrorStatus } from './revocation/mirror.js';
export { RevocationIndex, type RevocationView } from './revocation/index-state.js';
export { createRequireToken, failureResponse, type RequireTokenOptions, type RequireTokenRoute, type AuthenticatedRequest } from './express.js';
export type { JsonWebKeySet } from './keys/jwks.js';
