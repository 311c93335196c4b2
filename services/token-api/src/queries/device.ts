// Device from the User-Agent with ua-parser-js 1.x (MIT; the 2.x line is AGPL, which an
// open-source library's users cannot always accept). Crawlers, command-line tools and HTTP
// libraries are recognised by name so they are not counted as desktops. Parsed at read time —
// the stored User-Agent is the fact — with a small cache, since a user's tokens repeat a
// handful of User-Agents.
import type { Device, DeviceType } from '@tessera/contracts';
import { UAParser } from 'ua-parser-js';

/** Bots, crawlers, CLIs and HTTP client libraries: what 2.x's extensions recognised. */
const AUTOMATED = /bot\b|crawler|spider|slurp|crawling|headlesschrome|curl\/|wget\/|httpie\/|python-requests|python-urllib|aiohttp|go-http-client|okhttp|java\/|apache-httpclient|node-fetch|undici|axios\/|got\/|postmanruntime|insomnia|libwww-perl|ruby|php\//i;
const isBot = (result: ReturnType<UAParser['getResult']>) => AUTOMATED.test(result.ua);
const DESKTOP_OS = /^(windows|mac ?os|linux|ubuntu|debian|fedora|chrom(e|ium) ?os|freebsd|openbsd|netbsd|solaris|mint|arch|gentoo|centos|red ?hat|suse|manjaro)/i;
const CACHE_SIZE = 2_000;
const cache = new Map<string, Device>();

const name = (value: string | undefined) => (value && value.length > 0 ? value.slice(0, 64) : 'Unknown');

function typeOf(result: ReturnType<UAParser['getResult']>): DeviceType {
  if (isBot(result)) return 'bot';
  switch (result.device.type) {
    case 'mobile':
      return 'mobile';
    case 'tablet':
      return 'tablet';
    case undefined:
      return result.os.name && DESKTOP_OS.test(result.os.name) ? 'desktop' : 'other';
    default:
      // console, smarttv, wearable, xr, embedded
      return 'other';
  }
}

export function deviceOf(userAgent: string): Device {
  const hit = cache.get(userAgent);
  if (hit) return hit;
  const result = new UAParser(userAgent).getResult();
  // A script or crawler names itself in its first product token ("curl/8.5.0" → curl).
  const browser = result.browser.name ?? (isBot(result) ? /^([A-Za-z][\w.-]*)\//.exec(userAgent)?.[1] : undefined);
  const device: Device = Object.freeze({ browser: name(browser), os: name(result.os.name), type: typeOf(result) });
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(userAgent, device);
  return device;
}
