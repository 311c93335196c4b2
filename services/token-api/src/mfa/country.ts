import type { Request } from 'express';

/**
 * The client's country from the edge's trusted header (GEO_COUNTRY_HEADER), ISO 3166-1 alpha-2
 * upper case, or null when absent or not a country (`XX` and `T1` are what edges send for
 * "unknown" and Tor).
 */
export function clientCountry(req: Request, header: string): string | null {
  const raw = req.headers[header.toLowerCase()];
  if (typeof raw !== 'string') return null;
  const code = raw.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : null;
}
