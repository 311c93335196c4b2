import { describe, expect, it } from 'vitest';
import { ServiceClients, parseBasic } from './client-auth.js';
import { hasJwsShape } from './introspect.js';
import { forwardedClientIp, parseRawParams } from './params.js';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('service client authentication (RFC 6749 §2.3.1)', () => {
  const clients = new ServiceClients([{ id: 'rs', secret: 'sixteen+chars:ok!' }]);
  it('accepts the configured id and secret, form-urlencoded (again from the verified-header cache)', () => {
    expect(clients.authenticate(basic(`rs:${encodeURIComponent('sixteen+chars:ok!')}`))).toBe('rs');
    expect(clients.authenticate(basic(`rs:${encodeURIComponent('sixteen+chars:ok!')}`))).toBe('rs');
    expect(parseBasic(basic('a%20b:c+d'))).toEqual({ id: 'a b', secret: 'c d' });
  });
  it('refuses a wrong secret, an unknown id, and anything that is not Basic id:secret', () => {
    for (const header of [basic('rs:wrong'), basic('other:sixteen%2Bchars%3Aok!'), basic('rs'), basic(':x'), 'Basic %%%', 'Bearer x', basic('rs:%E0%A4%A')]) {
      expect(clients.authenticate(header)).toBeNull();
    }
  });
});

describe('oauth parameters', () => {
  it('reads form and JSON bodies; refuses repeats, non-objects and other media types', () => {
    expect(parseRawParams('application/x-www-form-urlencoded; charset=UTF-8', 'token=a%2Bb&token_type_hint=refresh_token')).toEqual({ token: 'a+b', token_type_hint: 'refresh_token' });
    expect(parseRawParams('application/json', '{"token":"t"}')).toEqual({ token: 't' });
    expect(parseRawParams(undefined, '')).toEqual({});
    expect(() => parseRawParams('application/x-www-form-urlencoded', 'token=a&token=b')).toThrow(expect.objectContaining({ status: 400, error: 'invalid_request' }));
    expect(() => parseRawParams('application/json', '[1]')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseRawParams('text/plain', 'token=a')).toThrow(expect.objectContaining({ status: 415 }));
  });

  it('believes X-Forwarded-For only from a loopback peer, like trust proxy "loopback"', () => {
    const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as never;
    expect(forwardedClientIp(req('127.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(forwardedClientIp(req('::ffff:127.0.0.1', '198.51.100.1, 203.0.113.9, 127.0.0.1'))).toBe('203.0.113.9');
    expect(forwardedClientIp(req('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
    expect(forwardedClientIp(req('::ffff:192.0.2.1'))).toBe('192.0.2.1');
    expect(forwardedClientIp(req('127.0.0.1', 'garbage'))).toBe('0.0.0.0');
  });
});

describe('hasJwsShape', () => {
  it('is three non-empty dot-separated parts', () => {
    expect(hasJwsShape('a.b.c')).toBe(true);
    for (const token of ['abc', 'a.b', '.b.c', 'a..c', 'a.b.', 'a.b.c.d', '']) expect(hasJwsShape(token)).toBe(false);
  });
});
