/**
 * Child process of chaos.test.ts: a small chaos run, then nothing. If a timer, socket or poll
 * survives `close()`, this process does not exit by itself and the test's time limit kills it.
 */
import { runChaos } from "./chaos.js";

const r = await runChaos({ steps: 5, samples: 50, seed: 11 });
console.log(`chaos-exit: ${r.acceptedSeqIds.length} training requests accepted, ${r.samplesOk} samples ok`);
