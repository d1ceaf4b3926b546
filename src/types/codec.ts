/**
 * The wire codec: how each request message becomes the bytes of a request body.
 *
 * The message builders of this folder (`encode*Request`) check the caller's input and build the
 * message of each endpoint, a plain object with 0.4.1's fields; a {@link WireCodec} then turns each
 * kind of message into a body and its content type. 0.4.1 sends every message as JSON
 * ({@link JSON_CODEC}). A later protocol generation that sends some messages another way (protobuf,
 * zstd) is another `WireCodec` — one encoder per request kind, built beside this file — handed
 * to the ServiceClient; clients, poller and telemetry only ever call `codec.<kind>.encode(message)`.
 */
import type {
  CreateModelRequest,
  CreateSamplingSessionRequest,
  CreateSessionRequest,
  ForwardBackwardRequest,
  ForwardRequest,
  FutureRetrieveRequest,
  GetInfoRequest,
  LoadWeightsRequest,
  OptimStepRequest,
  SampleRequest,
  SaveWeightsForSamplerRequest,
  SaveWeightsRequest,
  SessionHeartbeatRequest,
  UnloadModelRequest,
} from "./requests.js";
import type { TelemetrySendRequest } from "./telemetry.js";

/** One encoded request body, ready for the transport. */
export interface WireBody {
  readonly body: string | Uint8Array;
  /** The `content-type` header it is sent with. */
  readonly contentType: string;
  /** A `content-encoding` header (0.25.0's zstd forward/backward bodies). */
  readonly contentEncoding?: string;
}

/** The request message of each endpoint with a body, keyed by the endpoint's name. */
export interface RequestMessages {
  create_session: CreateSessionRequest;
  create_model: CreateModelRequest;
  create_sampling_session: CreateSamplingSessionRequest;
  forward: ForwardRequest;
  forward_backward: ForwardBackwardRequest;
  optim_step: OptimStepRequest;
  save_weights: SaveWeightsRequest;
  load_weights: LoadWeightsRequest;
  save_weights_for_sampler: SaveWeightsForSamplerRequest;
  asample: SampleRequest;
  retrieve_future: FutureRetrieveRequest;
  get_info: GetInfoRequest;
  unload_model: UnloadModelRequest;
  session_heartbeat: SessionHeartbeatRequest;
  telemetry: TelemetrySendRequest;
}

/** A request kind: the name of an endpoint with a body. */
export type RequestKind = keyof RequestMessages;

/** Encodes one kind of request message. */
export interface RequestEncoder<M> {
  encode(message: M): WireBody;
}

/** One encoder per request kind: everything a protocol generation decides about request bodies. */
export type WireCodec = { readonly name: string } & {
  readonly [K in RequestKind]: RequestEncoder<RequestMessages[K]>;
};

/**
 * A JSON body. Throws (a TypeError, e.g. for a BigInt) before anything is sent when the value
 * cannot be encoded.
 */
export function jsonBody(message: unknown): WireBody {
  return { body: JSON.stringify(message), contentType: "application/json" };
}

const json: RequestEncoder<unknown> = { encode: jsonBody };

/** 0.4.1's codec: every message as JSON, exactly as the message builders made it. */
export const JSON_CODEC: WireCodec = {
  name: "json",
  create_session: json,
  create_model: json,
  create_sampling_session: json,
  forward: json,
  forward_backward: json,
  optim_step: json,
  save_weights: json,
  load_weights: json,
  save_weights_for_sampler: json,
  asample: json,
  retrieve_future: json,
  get_info: json,
  unload_model: json,
  session_heartbeat: json,
  telemetry: json,
};
