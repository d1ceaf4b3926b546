/**
 * When the transport retries. The delays themselves are computed in src/lib/backoff.ts, the one
 * home of 0.4.1's backoff arithmetic; this module only re-exports them for the transport.
 */
export {
  INITIAL_RETRY_DELAY_S,
  MAX_RETRY_DELAY_S,
  parseRetryAfterMs,
  retryDelayMs,
} from "../lib/backoff.js";

/**
 * Whether a response status/headers should be retried: x-should-retry wins, then 408/409/429/>=500.
 */
export function shouldRetryResponse(status: number, headers: Record<string, string>): boolean {
  const flag = headers["x-should-retry"];
  if (flag === "true") return true;
  if (flag === "false") return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
