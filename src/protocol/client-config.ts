/**
 * The flags `POST /api/v1/client/config` returns in 0.25.0 (`ClientConfigResponse`), with the
 * SDK's defaults. Unknown flags are dropped and missing ones defaulted, as the SDK's model does,
 * so a server newer or older than the client still works.
 */

/** Server-set feature flags of 0.25.0. */
export interface ClientConfigFlags {
  pjwt_auth_enabled: boolean;
  /** `"api_key"` or `"credential_cmd"`: where `auth/token` takes its credential from. */
  credential_default_source: string;
  sample_dispatch_bytes_semaphore_size: number;
  inflight_response_bytes_semaphore_size: number;
  parallel_fwdbwd_chunks: boolean;
  proto_compress_fwdbwd: boolean;
  fwdbwd_max_chunk_len: number;
  fwdbwd_max_chunk_bytes_count: number;
  fwdbwd_dispatch_bytes_semaphore_size: number;
  billing_exception_max_pause_duration_sec: number;
  sample_no_retries: boolean;
  sample_enable_stuck_detection: boolean;
  sample_max_concurrent_requests: number;
  use_pyqwest_transport: boolean;
  create_model_via_load_weights: boolean;
}

/** The SDK's defaults (`ClientConfigResponse` at d595dc2). */
export const CLIENT_CONFIG_DEFAULTS: Readonly<ClientConfigFlags> = Object.freeze({
  pjwt_auth_enabled: false,
  credential_default_source: "api_key",
  sample_dispatch_bytes_semaphore_size: 10 * 1024 * 1024,
  inflight_response_bytes_semaphore_size: 50 * 1024 * 1024,
  parallel_fwdbwd_chunks: true,
  proto_compress_fwdbwd: false,
  fwdbwd_max_chunk_len: 1024,
  fwdbwd_max_chunk_bytes_count: 5_000_000,
  fwdbwd_dispatch_bytes_semaphore_size: 50 * 1000 * 1000,
  billing_exception_max_pause_duration_sec: 60 * 60,
  sample_no_retries: false,
  sample_enable_stuck_detection: true,
  sample_max_concurrent_requests: 2000,
  use_pyqwest_transport: true,
  create_model_via_load_weights: false,
});

/**
 * Reads a `client/config` answer: known flags of the right type are taken, anything else falls back
 * to the default (the SDK's pydantic model would reject a wrong type; a client should rather go on).
 */
export function parseClientConfig(json: unknown): ClientConfigFlags {
  const out: ClientConfigFlags = { ...CLIENT_CONFIG_DEFAULTS };
  if (typeof json !== "object" || json === null) return out;
  const src = json as Record<string, unknown>;
  const target = out as unknown as Record<string, unknown>;
  for (const key of Object.keys(CLIENT_CONFIG_DEFAULTS)) {
    const v = src[key];
    const want = typeof (CLIENT_CONFIG_DEFAULTS as unknown as Record<string, unknown>)[key];
    if (want === "number" ? typeof v === "number" && Number.isFinite(v) : typeof v === want) target[key] = v;
  }
  return out;
}

/** Seconds until the next `dynamic_config` fetch: `max(refresh_interval_sec, 10)` (fact 2). */
export function dynamicConfigRefreshSeconds(json: unknown, minimumSec = 10): number {
  const v =
    typeof json === "object" && json !== null
      ? (json as Record<string, unknown>).refresh_interval_sec
      : undefined;
  return Math.max(typeof v === "number" && Number.isFinite(v) ? v : 300, minimumSec);
}
