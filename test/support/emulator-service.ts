/**
 * An in-process emulator and a ServiceClient on it for one test file (or describe block): started
 * before its tests, closed after them.
 */
import { afterAll, beforeAll } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/index.js";

/** The live pair; read its fields inside tests (they are set in beforeAll). */
export interface EmulatorService {
  emulator: Emulator;
  service: ServiceClient;
}

/** Registers the hooks; seed 0 unless told otherwise, so model weights are the same every run. */
export function useEmulatorService(seed = 0): EmulatorService {
  const live = {} as EmulatorService;
  beforeAll(async () => {
    live.emulator = await startEmulator({ seed });
    live.service = new ServiceClient({ apiKey: "tml-test", baseUrl: live.emulator.url });
  });
  afterAll(async () => {
    await live.service?.close();
    await live.emulator?.close();
  });
  return live;
}
