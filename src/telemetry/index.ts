/**
 * Telemetry: the session's event reporter (POST /api/v1/telemetry, as 0.4.1) and the rules for
 * building events. Disabled with `TINKER_TELEMETRY=0` or `telemetry: false`.
 */
import type { ResolvedConfig } from "../core/config.js";
import type { Deps } from "../lib/deps.js";
import type { WireCodec } from "../types/codec.js";
import { TelemetryReporter, type TelemetryTransport } from "./reporter.js";

export { formatTimedelta, platformSystem } from "./events.js";
export {
  TELEMETRY_LIMITS,
  TelemetryReporter,
  type TelemetryTransport,
} from "./reporter.js";

/** Returns a reporter, or null when telemetry is disabled. */
export function createTelemetry(
  config: ResolvedConfig,
  transport: TelemetryTransport,
  sessionId: string,
  codec?: WireCodec,
  deps?: Partial<Deps>,
): TelemetryReporter | null {
  if (!config.telemetryEnabled) return null;
  return new TelemetryReporter({ transport, sessionId, codec, deps });
}
