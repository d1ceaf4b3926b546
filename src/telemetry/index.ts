/**
 * Telemetry: the session's event reporter (POST /api/v1/telemetry, as 0.4.1) and the rules for
 * building events. Disabled with `TINKER_TELEMETRY=0` or `telemetry: false`.
 */
import type { ResolvedConfig } from "../core/config.js";
import { type TelemetryDeps, TelemetryReporter, type TelemetryTransport } from "./reporter.js";

export { formatTimedelta, platformSystem } from "./events.js";
export {
  TELEMETRY_LIMITS,
  type TelemetryDeps,
  TelemetryReporter,
  type TelemetryReporterOptions,
  type TelemetryTransport,
} from "./reporter.js";

/** Returns a reporter, or null when telemetry is disabled. */
export function createTelemetry(
  config: ResolvedConfig,
  transport: TelemetryTransport,
  sessionId: string,
  deps?: Partial<TelemetryDeps>,
): TelemetryReporter | null {
  if (!config.telemetryEnabled) return null;
  return new TelemetryReporter({ transport, sessionId, deps });
}
