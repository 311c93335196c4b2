// The verifier of a Tessera service (audit, notifier, revocation): the four settings each reads
// from its environment and the verifier built from them, so the services cannot drift apart.
import { JwtAlg } from '@tessera/contracts';
import { z } from 'zod';
import type { VerifierEvent, VerifierOptions } from './options.js';
import { createVerifier, type Verifier } from './verifier.js';

/** Spread into a service's zod config: where the keys are and what a token must say. */
export const verifierConfigShape = {
  /** token-api's JWKS; the service's bearer tokens are checked against it. */
  JWKS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9101/.well-known/jwks.json'),
  JWT_ISSUER: z.string().min(1).max(256).default('http://localhost:9003'),
  JWT_AUDIENCE: z.string().min(1).max(256).default('tessera'),
  JWT_ALG: JwtAlg.default('ES256'),
};
const VerifierConfig = z.object(verifierConfigShape);
export type VerifierConfig = z.infer<typeof VerifierConfig>;

export interface ServiceVerifierOptions extends Pick<VerifierOptions, 'nats' | 'revocations'> {
  logger: { warn(fields: object, message: string): void };
  /** Sees every event after the service's own handling (a key set that could not be loaded is logged). */
  onEvent?: (event: VerifierEvent) => void;
}

export function createServiceVerifier(config: VerifierConfig, options: ServiceVerifierOptions): Verifier {
  const { logger, onEvent, ...sources } = options;
  return createVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    algorithms: [config.JWT_ALG],
    ...sources,
    onEvent: (event) => {
      if (event.type === 'keys_load_failed') logger.warn({ error: event.error }, 'verification keys could not be loaded');
      onEvent?.(event);
    },
  });
}
