export { VERIFY_FAILURE_REASONS, type VerifyFailureReason } from './reasons.js';
