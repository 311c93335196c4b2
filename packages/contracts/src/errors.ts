// Errors thrown by the contract helpers. Every one of them means a caller passed a value of the
// wrong shape (a non-UUID where a subject token goes, an unknown scope), so they extend TypeError
// as jose does for misuse; the `code` is stable and greppable, the message is for humans.

export class ContractError extends TypeError {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value that would not be a safe NATS subject token (wildcards, dots, spaces, non-UUID ids). */
export class InvalidSubjectError extends ContractError {
  constructor(message: string) {
    super('ERR_INVALID_SUBJECT', message);
  }
}

/** A KV key of the REVOCATIONS bucket built from an id that is not a UUID. */
export class InvalidKvKeyError extends ContractError {
  constructor(message: string) {
    super('ERR_INVALID_KV_KEY', message);
  }
}

/** A scope string holding tokens that are not one of the ten scopes. */
export class InvalidScopeError extends ContractError {
  readonly unknownScopes: readonly string[];

  constructor(unknownScopes: readonly string[]) {
    super('ERR_INVALID_SCOPE', `unknown scope(s): ${unknownScopes.map((s) => JSON.stringify(s)).join(', ')}`);
    this.unknownScopes = unknownScopes;
  }
}

/** An event built by a producer that does not match its own schema; `cause` is the ZodError. */
export class InvalidEventError extends ContractError {
  constructor(type: string, cause: unknown) {
    super('ERR_INVALID_EVENT', `event ${type} does not match its schema`, { cause });
  }
}

/** A value that is not a UUIDv7 where the caller needs the instant it encodes. */
export class InvalidUuidV7Error extends ContractError {
  constructor() {
    super('ERR_INVALID_UUIDV7', 'expected a UUIDv7');
  }
}
