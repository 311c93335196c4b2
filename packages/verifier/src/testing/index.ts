export { createTestIssuer, serveJwks, type AccessTokenSpec, type IssuedToken, type JwksServer, type TestIssuer } from './issuer.js';
