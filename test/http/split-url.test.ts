/** splitUrl hands undici's dispatcher exactly the origin and path its own URL parsing would. */
import { describe, expect, it } from "vitest";
import { splitUrl } from "../../src/core/url.js";
import { seededRandom } from "../../src/lib/seeded-random.js";

const ORIGIN = "http://127.0.0.1:8000";

function viaUrlParser(url: string) {
  const u = new URL(url);
  return { origin: u.origin, path: `${u.pathname}${u.search}` };
}

describe("splitUrl", () => {
  it("agrees with the WHATWG URL parser on awkward paths", () => {
    for (const rest of [
      "/api/v1/asample",
      "/services/x/api/v1/weights/0001",
      "/a b",
      "/a/./b",
      "/a/../b",
      "/a/%2e%2e/b",
      "/é",
      "/a?x=1&y=a+b%20c",
      "",
      "/a?x='q'",
      "/a/.../b",
      "/a//b",
      "/a/..",
      "/a\\b",
      "/tinker:run/x@y",
    ]) {
      expect(splitUrl(ORIGIN + rest, ORIGIN), rest).toEqual(viaUrlParser(ORIGIN + rest));
    }
  });

  it("agrees with it on 20,000 random paths (fixed seed)", () => {
    const random = seededRandom(7);
    const alphabet = "ab/./../%2e?=&+ '\"<>#é\\|[]{}`^~!$()*,;:@_-09";
    for (let i = 0; i < 20_000; i++) {
      let rest = "/";
      const len = Math.floor(random() * 12);
      for (let k = 0; k < len; k++) rest += alphabet[Math.floor(random() * alphabet.length)];
      const url = ORIGIN + rest;
      expect(splitUrl(url, ORIGIN), rest).toEqual(viaUrlParser(url));
    }
  });

  it("takes another origin (a redirect) through the parser", () => {
    expect(splitUrl("https://Example.COM:443/x/../y", ORIGIN)).toEqual({
      origin: "https://example.com",
      path: "/y",
    });
  });
});
