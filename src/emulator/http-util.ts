/**
 * Small HTTP helpers shared by the emulator's routes: reading JSON bodies (with a size limit) and
 * answering JSON.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { drive } from "./yielding.js";

/** An error a route throws to answer with a given status and JSON body. */
export class HttpError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** JSON body to answer with (FastAPI-like `{ detail }`). */
  readonly body: unknown;
  constructor(status: number, detail: unknown, extra?: Record<string, unknown>) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.body = { detail, ...extra };
  }
}

/** The 413 answer for a body over `limit` bytes. */
export function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${limit} bytes`);
}

/**
 * Reads the request body, refusing it with 413 as soon as it passes `limit` bytes: a declared
 * `content-length` over the limit is refused before a byte is read, and a chunked body is counted
 * as it arrives, so memory never holds more than `limit`. Returns the raw bytes.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    parts.push(part as Buffer);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** Parses a body read by {@link readBody}: empty gives `undefined`, bad JSON a 400. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

/** Answers with a JSON body (or no body for `undefined`/204). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined || status === 204) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Answers at least this many array elements are serialised in slices (smaller ones in one go). */
const LARGE_ANSWER_ELEMENTS = 20_000;

/**
 * `sendJson` for answers that may be large (a forward over 200k tokens, thousands of samples): such
 * a body is serialised a slice at a time, yielding to the event loop between slices, so one big
 * answer does not stall every other client. Small bodies take `JSON.stringify` as they are.
 */
export async function sendJsonYielding(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  if (
    body === undefined ||
    status === 204 ||
    countElements(body, LARGE_ANSWER_ELEMENTS) < LARGE_ANSWER_ELEMENTS
  ) {
    return sendJson(res, status, body, headers);
  }
  const text = await stringifyYielding(body);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** `JSON.stringify(body)` (for JSON data: no `toJSON`, no cycles), yielding to the event loop between slices. */
export async function stringifyYielding(body: unknown): Promise<string> {
  const parts: string[] = [];
  await drive(serialise(body, parts));
  return parts.join("");
}

/** Array elements in `v`, counting up to `stop` at most (so a small body costs a few steps). */
function countElements(v: unknown, stop: number): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    n = v.length;
    for (let i = 0; i < v.length && n < stop; i++) n += countElements(v[i], stop - n);
    return n;
  }
  for (const x of Object.values(v)) {
    n += countElements(x, stop - n);
    if (n >= stop) break;
  }
  return n;
}

const SLICE = 2_048;

/** JSON.stringify as a generator: pieces go to `out`, yielding every slice of array elements. */
function* serialise(v: unknown, out: string[]): Generator<void> {
  if (typeof v !== "object" || v === null) {
    out.push(JSON.stringify(v) ?? "null");
    return;
  }
  if (Array.isArray(v)) {
    out.push("[");
    for (let i = 0; i < v.length; i += SLICE) {
      const slice = v.slice(i, i + SLICE);
      if (i > 0) out.push(",");
      if (slice.every((x) => typeof x !== "object" || x === null)) {
        out.push(JSON.stringify(slice).slice(1, -1));
      } else {
        for (let j = 0; j < slice.length; j++) {
          if (j > 0) out.push(",");
          yield* serialise(slice[j] === undefined ? null : slice[j], out);
        }
      }
      yield;
    }
    out.push("]");
    return;
  }
  out.push("{");
  let first = true;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || typeof x === "function") continue;
    out.push(`${first ? "" : ","}${JSON.stringify(k)}:`);
    first = false;
    yield* serialise(x, out);
  }
  out.push("}");
}
