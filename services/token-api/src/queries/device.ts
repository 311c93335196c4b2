// Device from the User-Agent (ua-parser-js 2, with its bot/CLI/library extensions so crawlers
// and scripts are not counted as desktops). Parsed at read time — the stored User-Agent is the
// fact — with a small cache, since a user's tokens repeat a handful of User-Agents.
import type { Device, DeviceType } from '@tessera/contracts';
import { UAParser, type UAParserExt } from 'ua-parser-js';
import { isBot } from 'ua-parser-js/bot-detection';
import { Bots, CLIs, Crawlers, Fetchers, Libraries } from 'ua-parser-js/extensions';

const EXTENSIONS: UAParserExt = [Bots, CLIs, Crawlers, Fetchers, Libraries].flat();
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
  const result = new UAParser(userAgent, EXTENSIONS).getResult();
  const device: Device = Object.freeze({ browser: name(result.browser.name), os: name(result.os.name), type: typeOf(result) });
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(userAgent, device);
  return device;
}
