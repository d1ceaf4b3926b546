/**
 * The protobuf codec of protocol generation 0.25.0 (`tinker_public.proto` at d595dc2): messages,
 * their encoders/decoders, the transcripts' decoded form and canonical hash, and the conversions
 * from/to the SDK's wire objects. Hand-written: tensors are little-endian bytes fields, so a chunk's
 * numbers are copied as whole buffers.
 */
export * from "./codec.js";
export * from "./display.js";
export * from "./enums.js";
export * from "./estimate.js";
export * from "./forward-backward-output.js";
export * from "./forward-backward-request.js";
export * from "./from-sdk.js";
export * from "./le-arrays.js";
export * from "./results.js";
export * from "./sample-response.js";
export { ProtoDecodeError } from "./wire.js";
