/**
 * One entry point per message: encode, decode, transcript form, canonical hash. The canonical hash
 * is the SHA-256 of the message re-serialised deterministically (map entries sorted by key), as the
 * golden transcripts' `body_proto_canonical_sha256`; our encoder always writes that form.
 */
import { createHash } from "node:crypto";
import {
  type DisplayValue,
  forwardBackwardOutputDisplay,
  forwardBackwardOutputFromDisplay,
  forwardBackwardRequestDisplay,
  forwardBackwardRequestFromDisplay,
  type PbMessageName,
  sampleResponseDisplay,
  sampleResponseFromDisplay,
} from "./display.js";
import { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
import { decodeForwardBackwardRequest, encodeForwardBackwardRequest } from "./forward-backward-request.js";
import { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

interface MessageCodec {
  decode(bytes: Uint8Array): object;
  encode(msg: object): Uint8Array;
  display(msg: object): { [k: string]: DisplayValue };
  fromDisplay(v: DisplayValue): object;
}

const CODECS: Record<PbMessageName, MessageCodec> = {
  "tinker_public.ForwardBackwardRequest": {
    decode: decodeForwardBackwardRequest,
    encode: encodeForwardBackwardRequest,
    display: forwardBackwardRequestDisplay,
    fromDisplay: forwardBackwardRequestFromDisplay,
  },
  "tinker_public.ForwardBackwardOutput": {
    decode: decodeForwardBackwardOutput,
    encode: encodeForwardBackwardOutput,
    display: forwardBackwardOutputDisplay,
    fromDisplay: forwardBackwardOutputFromDisplay,
  },
  "tinker_public.SampleResponse": {
    decode: decodeSampleResponse,
    encode: encodeSampleResponse,
    display: sampleResponseDisplay,
    fromDisplay: sampleResponseFromDisplay,
  },
};

function codec(name: string): MessageCodec {
  const c = CODECS[name as PbMessageName];
  if (!c) throw new Error(`no protobuf codec for ${name}`);
  return c;
}

/** Names of the messages the codec knows. */
export type { PbMessageName };

/** Decodes `bytes` as message `name` and returns its transcript form (with `__message__`). */
export function decodeToDisplay(name: PbMessageName, bytes: Uint8Array): { [k: string]: DisplayValue } {
  const c = codec(name);
  return c.display(c.decode(bytes));
}

/** Encodes a transcript-form body (its `__message__` names the type) into canonical bytes. */
export function encodeFromDisplay(display: { [k: string]: DisplayValue }): Uint8Array {
  const c = codec(display.__message__ as string);
  return c.encode(c.fromDisplay(display));
}

/** Canonical bytes of a message given as bytes in any map order: decode, re-encode sorted. */
export function canonicalBytes(name: PbMessageName, bytes: Uint8Array): Uint8Array {
  const c = codec(name);
  return c.encode(c.decode(bytes));
}

/** Hex SHA-256 of raw bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The transcripts' `body_proto_canonical_sha256` of a message given as bytes. */
export function canonicalSha256(name: PbMessageName, bytes: Uint8Array): string {
  return sha256Hex(canonicalBytes(name, bytes));
}
