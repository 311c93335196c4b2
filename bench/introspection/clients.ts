/** The anchor's registered client (oidc-provider) and token-api's service credential in this benchmark. */
export const ANCHOR_CLIENT = { id: 'bench-rs', secret: 'bench-resource-server-secret-0001' };
export const TOKEN_API_CLIENT = { id: 'bench-rs', secret: 'bench-resource-server-secret-0001' };
