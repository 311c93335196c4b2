// Helpers for tests of token-api and of what runs beside it (the CLI, the account pages).
export { Authenticator } from './authenticator.js';
