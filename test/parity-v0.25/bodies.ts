/**
 * The protobuf side of the replay harness: checks bytes a client sent (or a server answered)
 * against a transcript line — decoded form field by field (summaries included), message length and
 * canonical hash. Phase 2's client-driving tests call `checkProtobufRequest` with what tinker-ts sent.
 */
import {
  canonicalBytes,
  decodeToDisplay,
  type PbMessageName,
  sha256Hex,
} from "../../src/protocol/v0_25/codec.js";
import { zstdDecompress } from "../../src/protocol/zstd.js";
import type { Json, TranscriptLineV025 } from "./golden.js";
import { diffAgainstRecorded, isSummary } from "./match.js";

/** Whether the line's request went out as protobuf. */
export function isProtobufRequest(line: TranscriptLineV025): boolean {
  return line.body_format === "protobuf";
}

/** Whether the line's response was protobuf (and decodable: `__undecodable__` bodies are not). */
export function isProtobufResponse(line: TranscriptLineV025): boolean {
  return line.response.body_format === "protobuf";
}

/** Message name of a recorded protobuf body (`__message__`), or undefined for undecodable bytes. */
export function recordedMessageName(body: Json): PbMessageName | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  return typeof body.__message__ === "string" ? (body.__message__ as PbMessageName) : undefined;
}

/** Whether a recorded body has summarised arrays (then only `diffAgainstRecorded` can compare it). */
export function hasSummaries(v: Json): boolean {
  if (isSummary(v)) return true;
  if (Array.isArray(v)) return v.some(hasSummaries);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasSummaries);
  return false;
}

/** The message bytes of a request body: zstd frames (Content-Encoding: zstd) are decompressed. */
export async function messageBytes(body: Uint8Array, contentEncoding?: string): Promise<Uint8Array> {
  return contentEncoding === "zstd" ? zstdDecompress(body) : body;
}

/**
 * Differences between protobuf request bytes we sent and the transcript line: decoded form
 * (with summaries), `body_proto_bytes` and `body_proto_canonical_sha256`. Empty = match.
 */
export function checkProtobufRequest(line: TranscriptLineV025, message: Uint8Array): string[] {
  const name = recordedMessageName(line.body);
  if (name === undefined) return [`seq ${line.seq}: recorded body has no __message__`];
  const out: string[] = [];
  let display: Json;
  try {
    display = decodeToDisplay(name, message) as Json;
  } catch (e) {
    return [`seq ${line.seq}: our bytes do not decode as ${name}: ${String(e)}`];
  }
  out.push(...diffAgainstRecorded(line.body, display, `seq ${line.seq} body`));
  if (line.body_proto_bytes !== undefined && message.byteLength !== line.body_proto_bytes) {
    out.push(
      `seq ${line.seq}: ${message.byteLength} message bytes != body_proto_bytes ${line.body_proto_bytes}`,
    );
  }
  const hash = sha256Hex(canonicalBytes(name, message));
  if (line.body_proto_canonical_sha256 !== undefined && hash !== line.body_proto_canonical_sha256) {
    out.push(`seq ${line.seq}: canonical sha256 ${hash} != ${line.body_proto_canonical_sha256}`);
  }
  return out;
}

/** Differences between protobuf response bytes (e.g. the emulator's) and the recorded response. */
export function checkProtobufResponse(line: TranscriptLineV025, bytes: Uint8Array): string[] {
  const name = recordedMessageName(line.response.body);
  if (name === undefined) return [`seq ${line.seq}: recorded response has no __message__`];
  const out = diffAgainstRecorded(
    line.response.body,
    decodeToDisplay(name, bytes) as Json,
    `seq ${line.seq} response`,
  );
  if (line.response.body_bytes !== undefined && bytes.byteLength !== line.response.body_bytes) {
    out.push(`seq ${line.seq}: ${bytes.byteLength} response bytes != ${line.response.body_bytes}`);
  }
  if (line.response.body_sha256 !== undefined && sha256Hex(bytes) !== line.response.body_sha256) {
    out.push(`seq ${line.seq}: response sha256 differs`);
  }
  return out;
}

/**
 * The top-level `seq_id` (field 2, varint) of a `ForwardBackwardRequest`, read without decoding the
 * rest: concurrent chunk submits are matched to their lines by it. Undefined when absent.
 */
export function protobufSeqId(message: Uint8Array): number | undefined {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = message[i++] as number;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < message.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 2 && wire === 0) return varint();
    if (wire === 0) varint();
    else if (wire === 2) i += varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return undefined;
  }
  return undefined;
}
