/**
 * Reading an HTTP response: its body (read and decompressed under a cap by body-limit.ts) decoded
 * as JSON, and its status text. A 2xx
 * whose body is not JSON is a {@link BadResponseError}; an error status keeps its raw text.
 */
import { BadResponseError } from "../errors/index.js";

/** A response as received, before its body is decoded. */
export interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: string;
  /** The raw bytes of a protobuf body (0.25.0 results); `text` is then empty. */
  bytes?: Uint8Array;
}

/** A 2xx protobuf answer, handed to the caller undecoded (the generation's result parser reads it). */
export class ProtobufBody {
  constructor(readonly bytes: Uint8Array) {}
}

/** Whether a content type is protobuf (the 0.25.0 SDK's test: it contains `application/x-protobuf`). */
export function isProtobufContentType(ct: string | undefined): boolean {
  return ct?.includes("application/x-protobuf") === true;
}

/**
 * The decoded body: parsed JSON, `null` when empty, the raw text of an error status that is not
 * JSON, or a BadResponseError (returned, not thrown) for a 2xx that is not JSON.
 */
export function decodeBody(r: RawResponse): unknown {
  if (r.bytes !== undefined) {
    if (r.status >= 200 && r.status < 300) return new ProtobufBody(r.bytes);
    return Buffer.from(r.bytes).toString("utf8");
  }
  const text = r.text;
  if (text === "") return null;
  const ok = r.status >= 200 && r.status < 300;
  const ct = r.headers["content-type"] ?? "";
  if (ct && !ct.includes("json")) {
    if (!ok) return text;
    return new BadResponseError(`Unexpected content-type ${ct} (status ${r.status})`, {
      status: r.status,
      headers: r.headers,
      body: text,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    if (!ok) return text;
    return new BadResponseError(`Invalid JSON in response (status ${r.status})`, {
      status: r.status,
      headers: r.headers,
      body: text,
      cause,
    });
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The reason phrase used in error messages. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Error";
}
