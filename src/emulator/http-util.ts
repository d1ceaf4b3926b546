/**
 * Small HTTP helpers shared by the emulator's routes: reading JSON bodies and answering JSON.
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

/** Reads the whole request body; an empty body gives `undefined`, bad JSON a 400. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
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
