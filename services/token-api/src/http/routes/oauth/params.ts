// The parameters of an /oauth2 request, form-encoded (what RFC 7662 and RFC 7009 specify) or
// JSON (what the issue allows), checked with the contract's schema. Unknown parameters are
// ignored (RFC 6749 §3.2); a parameter given twice is refused (RFC 6749 §3.1).
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';
import type { z } from 'zod';
import { invalidRequest, OAuthError } from './errors.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

const unsupportedMediaType = () => new OAuthError(415, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded or application/json');

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Parses a raw body by its media type into a parameter object. */
export function parseRawParams(contentType: string | undefined, text: string): Record<string, unknown> {
  const type = mediaTypeOf(contentType);
  if (text.length === 0 && type === '') return {};
  if (type === 'application/x-www-form-urlencoded') {
    // node:querystring decodes like URLSearchParams (+ as space, %XX) at a third of the cost;
    // a repeated name comes back as an array.
    const params = parseQueryString(text, '&', '=', { maxKeys: 64 });
    for (const name of Object.keys(params)) {
      if (Array.isArray(params[name])) throw invalidRequest(`Parameter ${name.slice(0, 32)} is given more than once`);
    }
    return params;
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidRequest('The body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidRequest('The body must be a JSON object');
    return parsed as Record<string, unknown>;
  }
  throw unsupportedMediaType();
}

/** Express already parsed the body (JSON or form); `undefined` with content means another media type. */
export function parsedParams(req: { headers: IncomingMessage['headers']; body?: unknown }): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && req.body === undefined) throw unsupportedMediaType();
  return req.body ?? {};
}

export function checkParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((i) => i.path.map(String).join('.') || 'body'))].slice(0, 5);
  throw invalidRequest(`Invalid or missing parameter(s): ${fields.join(', ')}`);
}

/** Reads at most BODY_LIMIT_BYTES; more is a 413 (and the connection closes after the answer). */
export function readRawBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT_BYTES) return Promise.reject(tooLarge());
  // Inline listeners and a `settled` flag instead of named handlers removed on completion: this
  // runs per introspection, and a request's listeners go with it anyway.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        settled = true;
        reject(tooLarge());
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

const tooLarge = () => new OAuthError(413, 'invalid_request', `The body exceeds ${BODY_LIMIT_BYTES} bytes`, { Connection: 'close' });

const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/;

/** Express's `trust proxy: loopback` on a bare request: X-Forwarded-For is believed from the local gateway only. */
export function forwardedClientIp(req: IncomingMessage): string {
  let address = req.socket.remoteAddress ?? '';
  const forwarded = req.headers['x-forwarded-for'];
  if (LOOPBACK.test(address) && typeof forwarded === 'string') {
    const hops = forwarded.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      address = hops[i]!.trim();
      if (!LOOPBACK.test(address)) break;
    }
  }
  const unwrapped = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return isIP(unwrapped) !== 0 ? unwrapped : '0.0.0.0';
}
