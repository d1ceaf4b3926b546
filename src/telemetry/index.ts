/**
 * Telemetry: the session's event reporter (POST /api/v1/telemetry, as 0.4.1) and the rules for
 * building events. Disabled with `TINKER_TELEMETRY=0` or `telemetry: false`.
 */
import type { ResolvedConfig } from "../core/config.js";
import type { Deps } from "../lib/deps.js";
import type { ProtocolGeneration } from "../protocol/generation.js";
import type { WireCodec } from "../types/codec.js";
import { processUuid } from "./process-uuid.js";
import { TelemetryReporter, type TelemetryTransport } from "./reporter.js";

export { formatTimedelta, platformSystem } from "./events.js";
export {
  TELEMETRY_LIMITS,
  TelemetryReporter,
  type TelemetryTransport,
} from "./reporter.js";

/**
 * Returns a reporter, or null when telemetry is disabled. `sessionId` null: a session-less
 * reporter (0.25.0's REST holder). The generation says whether batches carry `process_uuid`
 * (one per process, fact 23) and which `sdk_version` they name.
 */
export function createTelemetry(
  config: ResolvedConfig,
  transport: TelemetryTransport,
  sessionId: string | null,
  codec?: WireCodec,
  deps?: Partial<Deps>,
  generation?: Pick<ProtocolGeneration, "sdkVersion" | "telemetryProcessUuid">,
): TelemetryReporter | null {
  if (!config.telemetryEnabled) return null;
  return new TelemetryReporter({
    transport,
    sessionId,
    codec,
    deps,
    sdkVersion: generation?.sdkVersion,
    processUuid: generation?.telemetryProcessUuid ? processUuid() : undefined,
  });
}
