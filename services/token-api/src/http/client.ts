import type { Request } from 'express';
import { IpAddress } from '@tessera/contracts';
import type { ClientContext } from '../domain/model.js';
import { fingerprintOf } from '../secrets/tokens.js';

const MAX_USER_AGENT = 512;

/** The caller's address (proxies trusted per the app's `trust proxy`), IPv4-mapped IPv6 unwrapped. */
export function clientIp(req: Request): string {
  const raw = (req.ip ?? req.socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return IpAddress.safeParse(raw).success ? raw : '0.0.0.0';
}

export function userAgentOf(req: Request): string {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua : '';
}

/** The fingerprint covers the whole header; only the stored copy is truncated. */
export function clientContext(req: Request): ClientContext {
  const userAgent = userAgentOf(req);
  return { ip: clientIp(req), userAgent: userAgent.slice(0, MAX_USER_AGENT), fingerprint: fingerprintOf(userAgent) };
}
