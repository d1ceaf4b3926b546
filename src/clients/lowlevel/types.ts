/**
 * Answers of the low-level resources that no higher-level client returns (0.25.0's
 * `ClientDynamicConfigResponse`, `HealthResponse`, `AuthTokenResponse`, `UnloadModelResponse` and
 * the `FutureRetrieveResponse` union).
 */
import type {
  CreateModelResponse,
  ForwardBackwardOutput,
  LoadWeightsResponse,
  OptimStepResponse,
  RequestFailedResponse,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
  TryAgainResponse,
} from "../../types/index.js";

/** `POST /api/v1/client/dynamic_config`: flags the SDK re-fetches in the background. */
export interface ClientDynamicConfig {
  /** Seconds between re-fetches (the SDK waits at least 10; default 300). */
  refresh_interval_sec: number;
}

/** `GET /api/v1/healthz`. */
export interface HealthResponse {
  status: "ok";
}

/** `POST /api/v1/auth/token`: a short-lived JWT for the credential sent. */
export interface AuthTokenResponse {
  jwt: string;
}

/** Result of `unload_model`, delivered through its future. */
export interface UnloadModelResponse {
  model_id: string;
  type?: "unload_model" | null;
}

/**
 * What one `POST /api/v1/retrieve_future` may answer (the SDK's `FutureRetrieveResponse`): not
 * ready yet, a failure, or the result of the request the future belongs to.
 */
export type FutureRetrieveResponse =
  | TryAgainResponse
  | RequestFailedResponse
  | ForwardBackwardOutput
  | OptimStepResponse
  | SaveWeightsResponse
  | LoadWeightsResponse
  | SaveWeightsForSamplerResponse
  | CreateModelResponse
  | UnloadModelResponse;
