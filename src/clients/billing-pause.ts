/**
 * The billing pause as the clients use it: one {@link BillingPause} per holder when the generation
 * has one (0.25.0) — the session holder's and the REST holder's, each as long as its own
 * `client/config` says (`billing_exception_max_pause_duration_sec`) — and per request kind the option that hands it to
 * `executeWithRetries` (the generation's table says which kinds pause; fact 16).
 */
import type { SdkLogger } from "../core/logger.js";
import { BillingPause } from "../lib/billing-pause.js";
import type { Deps } from "../lib/deps.js";
import type { ProtocolGeneration, RequestKind } from "../protocol/generation.js";
import type { ExecuteOptions } from "./retry.js";

/** A holder's billing pause, or undefined when generation `g` fails a 402 like any 4xx (0.4.1). */
export function createBillingPause(
  g: ProtocolGeneration,
  deps: Pick<Deps, "now">,
  maxPauseSeconds: () => number,
  logger?: SdkLogger,
): BillingPause | undefined {
  if (g.retry.sdk.billingPauseMs === null) return undefined;
  return new BillingPause({ now: deps.now, maxPauseMs: () => maxPauseSeconds() * 1000, log: logger });
}

/** The `billing` option of `executeWithRetries` for a request of `kind`, if that kind pauses. */
export function billingOption(
  g: ProtocolGeneration,
  gate: BillingPause | undefined,
  kind: RequestKind,
): ExecuteOptions["billing"] {
  const pauseMs = g.retry.sdk.billingPauseMs;
  if (gate === undefined || pauseMs === null || !g.retry.requests[kind].billingPause) return undefined;
  return { gate, pauseMs };
}
