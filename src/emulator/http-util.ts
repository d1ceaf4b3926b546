/**
 * Small HTTP helpers shared by the emulator's routes: reading JSON bodies (with a size limit) and
 * answering JSON.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

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
