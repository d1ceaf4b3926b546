import { describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../src/core/config.js";
import type { RequestOptions, Transport } from "../../src/core/transport.js";
import { createTelemetry, TelemetryReporter, type TelemetryEvent } from "../../src/telemetry/index.js";

function fakeTransport(failFirst = 0) {
  const bodies: { events: TelemetryEvent[]; session_id: string }[] = [];
  let fails = failFirst;
  const transport = {
    async request(opts: RequestOptions) {
      if (fails-- > 0) throw new Error("down");
      bodies.push(opts.body as (typeof bodies)[number]);
      return { status: 200, headers: {}, body: {} };
    },
  } as unknown as Transport;
  return { transport, bodies };
}
const deps = { now: () => 0, sleep: async () => {} };

describe("TelemetryReporter", () => {
  it("numbers events and batches at most 100 per request", async () => {
    const { transport, bodies } = fakeTransport();
    const r = new TelemetryReporter({ transport, sessionId: "sess-1", deps });
    r.logSessionStart();
    for (let i = 0; i < 150; i++) r.logGenericEvent("e", { i });
    await r.close();
    expect(bodies.map((b) => b.events.length)).toEqual([100, 51]);
    const all = bodies.flatMap((b) => b.events);
    expect(all.map((e) => e.event_session_index)).toEqual(all.map((_, i) => i));
    expect(all[0]).toMatchObject({ event: "SESSION_START", severity: "INFO" });
    expect(bodies[0]).toMatchObject({ session_id: "sess-1", sdk_version: "0.4.1" });
  });

  it("retries a failed batch once", async () => {
    const { transport, bodies } = fakeTransport(1);
    const r = new TelemetryReporter({ transport, sessionId: "s", deps });
    r.logSessionEnd();
    await r.close();
    expect(bodies).toHaveLength(1);
  });

  it("is disabled when telemetryEnabled is false", () => {
    const { transport } = fakeTransport();
    expect(createTelemetry({ telemetryEnabled: false } as ResolvedConfig, transport, "s", deps)).toBeNull();
  });
});
