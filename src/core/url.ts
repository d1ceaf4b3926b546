/** How the transport hands a URL it built to undici's dispatcher. */

/**
 * Paths the WHATWG URL parser leaves as they are (no dot segments, no "%", nothing it would
 * percent-encode; a query as URLSearchParams writes it): such a URL is split by hand. Anything else goes
 * through `new URL`, so what is sent is exactly what undici's own parsing would send.
 */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:[/?]|$))[\w\-.~!$&'()*+,;=:@]*)+(?:\?[\w\-.~!$&()*+,;=:@%/?]+)?$/;

/** `origin` and `path` of a URL as undici's dispatcher takes them. */
export function splitUrl(url: string, origin: string): { origin: string; path: string } {
  if (url.startsWith(origin)) {
    const rest = url.slice(origin.length);
    if (PLAIN_PATH.test(rest)) return { origin, path: rest };
  }
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}
