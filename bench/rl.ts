/**
 * The RL figure: rollouts per second for groups of 16 against the emulator (running in a child
 * process), and the share of wall time the client process spends on its own CPU work rather than
 * waiting on the server — its CPU time over wall time during the rollouts.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { digitSumEnv } from "../examples/rl-arithmetic.js";
import { ServiceClient } from "../src/index.js";
import {
  Limiter,
  problemGroupBuilder,
  runGroupRollout,
  samplingPolicy,
  type TokenCompleter,
} from "../src/rl/index.js";

/** One figure, as bench/run.ts prints it. */
export interface RLFigure {
  name: string;
  unit: string;
  runs: number[];
  target: string;
  met: boolean;
  note?: string;
}

const GROUP = 16;
const GROUPS_AT_ONCE = 8;

async function startChildEmulator(): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./emulator-process.ts", import.meta.url).pathname],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`emulator process exited (${code})`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
}

/** Rollouts/s and client CPU share for `rounds` rounds of 8 concurrent groups of 16. */
async function measure(
  sampler: Parameters<typeof samplingPolicy>[0],
  rounds: number,
  shareFirstTurn: boolean,
): Promise<{ rate: number; share: number }> {
  const base = samplingPolicy(sampler, { maxTokens: 3, limiter: new Limiter(64) });
  // Without `many`, every env of a group sends its own sample request.
  const policy: TokenCompleter = shareFirstTurn ? base : (ob, stop, call) => base(ob, stop, call);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      Array.from({ length: GROUPS_AT_ONCE }, (_, g) =>
        runGroupRollout(
          problemGroupBuilder(() => digitSumEnv(g % 5, r % 5), GROUP),
          policy,
          { seed: r * 31 + g },
        ),
      ),
    );
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    rate: (rounds * GROUPS_AT_ONCE * GROUP) / (wall / 1000),
    share: (cpu.user + cpu.system) / 1000 / wall,
  };
}

/** The RL figures: `runs` measurements after a warm-up, each of `rounds` rounds. */
export async function rlFigures(runs: number, rounds: number): Promise<RLFigure[]> {
  const emulator = await startChildEmulator();
  const service = new ServiceClient({ apiKey: "tml-bench", baseUrl: emulator.url });
  try {
    const training = await service.createLoraTrainingClient("tinker-ts/tiny-lm", { rank: 8, seed: 0 });
    const sampler = await training.saveWeightsAndGetSamplingClient();
    const shared: Array<{ rate: number; share: number }> = [];
    const perEnv: Array<{ rate: number; share: number }> = [];
    await measure(sampler, 2, true);
    await measure(sampler, 2, false);
    for (let i = 0; i < runs; i++) {
      shared.push(await measure(sampler, rounds, true));
      perEnv.push(await measure(sampler, rounds, false));
    }
    const pct = (xs: number[]) => xs.map((x) => 100 * x);
    return [
      {
        name: `rl: rollouts, groups of ${GROUP} (${GROUPS_AT_ONCE} at once, one-turn env), first turn one request per group`,
        unit: "rollouts/s",
        runs: shared.map((s) => s.rate),
        target: "no target",
        met: true,
      },
      {
        name: "rl: client share of wall time outside waiting on the server (same runs)",
        unit: "%",
        runs: pct(shared.map((s) => s.share)),
        target: "no target",
        met: true,
      },
      {
        name: `rl: rollouts, groups of ${GROUP}, one request per env`,
        unit: "rollouts/s",
        runs: perEnv.map((s) => s.rate),
        target: "no target",
        met: true,
      },
      {
        name: "rl: client share of wall time, one request per env",
        unit: "%",
        runs: pct(perEnv.map((s) => s.share)),
        target: "no target",
        met: true,
        note: "the emulator runs in a child process; the share is the bench process's CPU time over wall time",
      },
    ];
  } finally {
    await service.close();
    await emulator.close();
  }
}
