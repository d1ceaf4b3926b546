/**
 * A training run in its own process, for the kill test: trains with the config of the loop tests
 * against the emulator at EMU_URL, slowed after each step so that the parent can kill it mid-run.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Emulator } from "../../src/emulator/index.js";
import { train } from "../../src/supervised/index.js";
import { baseConfig } from "./helpers.js";

const emu = { url: process.env.EMU_URL } as Emulator;
await train({
  ...baseConfig(emu, process.env.DATA_FILE as string, process.env.LOG_DIR as string),
  saveEvery: 3,
  evalEvery: 4,
  onStep: () => sleep(150),
});
