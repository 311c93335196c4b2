/** oidc-provider's registered client in the anchors, and token-api's service credential (INTROSPECTION_CLIENTS) in the benchmarks. */
export const ANCHOR_CLIENT = { id: 'bench-rs', secret: 'bench-resource-server-secret-0001' };
export const TOKEN_API_CLIENT = { id: 'bench-rs', secret: 'bench-resource-server-secret-0001' };
