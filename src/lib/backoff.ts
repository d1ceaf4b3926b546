/**
 * Retry and polling delays as Python SDK 0.4.1 computes them (`_base_client._calculate_retry_timeout`,
 * `_parse_retry_after_header`, and the future poller's backoff). Everything is pure: callers pass
 * the clock and the random source.
 */

/** First backoff delay in seconds (0.4.1 `INITIAL_RETRY_DELAY`). */
export const INITIAL_RETRY_DELAY_S = 0.5;
/** Backoff cap in seconds (0.4.1 `MAX_RETRY_DELAY`). */
export const MAX_RETRY_DELAY_S = 10;
/** A server-requested delay is honoured only in (0, this] seconds. */
export const MAX_RETRY_AFTER_S = 60;
/** Cap of {@link exponentialBackoffMs} in seconds. */
export const MAX_EXPONENTIAL_BACKOFF_S = 30;

/**
 * Exponential backoff before the next retry, in ms: `min(0.5·2^n, 10)` s with `n` the retries
 * already taken (capped at 1000 like 0.4.1), times a jitter `1 − 0.25·random()` in (0.75, 1].
 * The jitter only ever shortens the delay.
 */
export function retryDelayMs(retriesTaken: number, random: () => number): number {
  const n = Math.min(retriesTaken, 1000);
  const base = Math.min(INITIAL_RETRY_DELAY_S * 2 ** n, MAX_RETRY_DELAY_S);
  const seconds = base * (1 - 0.25 * random());
  return Math.max(0, seconds) * 1000;
}

/** Python `float(str)` syntax: surrounding whitespace, `_` between digits, inf/infinity/nan. */
const PY_FLOAT =
  /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)$/i;

/** Parse a string as Python's `float()` would; `undefined` where Python raises `ValueError`. */
export function parsePythonFloat(text: string): number | undefined {
  const s = text.trim();
  if (!PY_FLOAT.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^[+]/, "");
  if (lower.endsWith("nan")) return Number.NaN;
  if (lower.endsWith("inf") || lower.endsWith("infinity")) {
    return lower.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(s.replaceAll("_", ""));
}

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTH_NAMES = [
  ...["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  ...["january", "february", "march", "april", "may", "june", "july"],
  ...["august", "september", "october", "november", "december"],
];
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  AST: -400,
  ADT: -300,
  EST: -500,
  EDT: -400,
  CST: -600,
  CDT: -500,
  MST: -700,
  MDT: -600,
  PST: -800,
  PDT: -700,
};

/** Python `int(str)` syntax for the fields of a date. */
function parsePythonInt(text: string): number | undefined {
  const s = text.trim();
  return /^[+-]?\d(?:_?\d)*$/.test(s) ? Number(s.replaceAll("_", "")) : undefined;
}

/** Split the time field as parsedate_tz does: `hh:mm`, `hh:mm:ss`, or the same with dots. */
function timeParts(tm: string): [string, string, string] | undefined {
  const colon = tm.split(":");
  if (colon.length === 2) return [colon[0] as string, colon[1] as string, "0"];
  if (colon.length === 3) return colon as [string, string, string];
  if (colon.length === 1 && tm.includes(".")) {
    const dot = tm.split(".");
    if (dot.length === 2) return [dot[0] as string, dot[1] as string, "0"];
    if (dot.length === 3) return dot as [string, string, string];
  }
  return undefined;
}

/**
 * Parse a date the way `email.utils.parsedate_tz` + `mktime_tz` do (CPython 3.11): an optional
 * weekday word (any word ending in ",", so "Zun," is skipped), day and month in either order, two-digit
 * years as 19xx above 68 and 20xx otherwise, `hh:mm[:ss]`, and a zone name or ±hhmm. A missing,
 * unknown or `-0000` zone counts as UTC, because the public `parsedate_tz` turns its "no zone" into 0.
 * Returns epoch ms, or `undefined` where Python returns None (or would raise).
 */
export function parseHttpDateMs(text: string): number | undefined {
  let words = text.split(/\s+/).filter((w) => w !== "");
  const first = words[0];
  if (first === undefined) return undefined;
  if (first.endsWith(",") || DAY_NAMES.includes(first.toLowerCase())) words.shift();
  else if (first.includes(",")) words[0] = first.slice(first.lastIndexOf(",") + 1);
  if (words.length === 3) {
    const rfc850 = (words[0] as string).split("-");
    if (rfc850.length === 3) words = [...rfc850, ...words.slice(1)];
  }
  if (words.length === 4) {
    const last = words[3] as string;
    let i = last.indexOf("+");
    if (i === -1) i = last.indexOf("-");
    if (i > 0) words = [...words.slice(0, 3), last.slice(0, i), last.slice(i)];
    else words.push("");
  }
  if (words.length < 5) return undefined;
  let [dd, mm, yy, tm, tz] = words.slice(0, 5) as [string, string, string, string, string];
  if (dd === "" || mm === "" || yy === "") return undefined;
  mm = mm.toLowerCase();
  if (!MONTH_NAMES.includes(mm)) {
    [dd, mm] = [mm, dd.toLowerCase()];
    if (!MONTH_NAMES.includes(mm)) return undefined;
  }
  const month = MONTH_NAMES.indexOf(mm) % 12;
  if (dd.endsWith(",")) dd = dd.slice(0, -1);
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1);
    if (yy === "") return undefined;
  }
  if (!/^\d/.test(yy)) [yy, tz] = [tz, yy];
  if (tm.endsWith(",")) tm = tm.slice(0, -1);
  const hms = timeParts(tm);
  if (hms === undefined) return undefined;
  const nums = [yy, dd, ...hms].map(parsePythonInt);
  if (nums.some((n) => n === undefined)) return undefined;
  let [year, day, h, m, s] = nums as [number, number, number, number, number];
  if (year < 100) year += year > 68 ? 1900 : 2000;
  const zone = tz.toUpperCase();
  const offset = ZONES[zone] ?? parsePythonInt(zone) ?? 0;
  const sign = offset < 0 ? -1 : 1;
  const abs = Math.abs(offset);
  const offsetS = sign * (Math.floor(abs / 100) * 3600 + (abs % 100) * 60);
  // Date.UTC normalises out-of-range fields the same way calendar.timegm does.
  return Date.UTC(year, month, day, h, m, s) - offsetS * 1000;
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * The delay the server asks for, in ms, exactly as 0.4.1 reads it and before the window check:
 * `retry-after-ms` if it parses as a float (then nothing else is looked at), else `retry-after` as
 * float seconds, else as an HTTP date relative to `nowMs` (may be negative). Header names are
 * matched case-insensitively.
 */
export function rawRetryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number,
): number | undefined {
  const msHeader = header(headers, "retry-after-ms");
  const ms = msHeader === undefined ? undefined : parsePythonFloat(msHeader);
  if (ms !== undefined) return ms;
  const secHeader = header(headers, "retry-after");
  if (secHeader === undefined || secHeader === "") return undefined;
  const seconds = parsePythonFloat(secHeader);
  if (seconds !== undefined) return seconds * 1000;
  const date = parseHttpDateMs(secHeader);
  return date === undefined ? undefined : date - nowMs;
}

/**
 * The server-requested delay in ms when 0.4.1 would honour it, i.e. when it lies in (0, 60] s;
 * otherwise `undefined` and the caller falls back to {@link retryDelayMs}. No jitter is applied.
 */
export function parseRetryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number,
): number | undefined {
  const ms = rawRetryAfterMs(headers, nowMs);
  if (ms === undefined || !(ms > 0 && ms <= MAX_RETRY_AFTER_S * 1000)) return undefined;
  return ms;
}

/** The full sleep before a retry: the honoured server delay, else jittered exponential backoff. */
export function retrySleepMs(
  retriesTaken: number,
  headers: Readonly<Record<string, string | undefined>> | undefined,
  nowMs: number,
  random: () => number,
): number {
  return (headers && parseRetryAfterMs(headers, nowMs)) ?? retryDelayMs(retriesTaken, random);
}

/**
 * `min(2^k, 30)` s in ms: 0.4.1's back-off both for the poller's connection errors and for
 * `execute_with_retries`' re-runs (`k` counts the failures before, from 0).
 */
export function exponentialBackoffMs(k: number): number {
  return Math.min(2 ** Math.max(0, k), MAX_EXPONENTIAL_BACKOFF_S) * 1000;
}
