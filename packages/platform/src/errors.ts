export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error base for anything a request can trigger. `expose` decides whether `message` may
 * reach the client: a 4xx explains itself, a 5xx says only "internal error" and the detail goes
 * to the log with the request id.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  readonly errors: FieldError[] | undefined;
  /** Extra response headers, e.g. Retry-After for 429/423. */
  readonly headers: Record<string, string>;
  /**
   * RFC 9457 §3.2 extension members rendered beside the standard ones (never over them), e.g. the
   * ticket of an `mfa_required` answer. Only for exposed errors.
   */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown; expose?: boolean; extensions?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.expose = options.expose ?? status < 500;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions;
  }
}

export const badRequest = (message: string, errors?: FieldError[]) =>
  new AppError(400, 'validation_failed', message, errors ? { errors } : {});
export const notFound = (message = 'Not found') => new AppError(404, 'not_found', message);
export const unauthorized = (message = 'Authentication required', code: string = 'unauthorized') =>
  new AppError(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (message = 'Forbidden', code: string = 'forbidden') => new AppError(403, code, message);
export const serviceUnavailable = (message = 'Service temporarily unavailable', cause?: unknown) =>
  new AppError(503, 'service_unavailable', message, { expose: true, cause, headers: { 'Retry-After': '1' } });
