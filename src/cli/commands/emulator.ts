import { type Command, InvalidArgumentError, Option } from "commander";
import { startEmulator } from "../../emulator/index.js";
import type { Runner } from "./shared.js";
import { parseLimit } from "./shared.js";

/** A fault rate in [0, 1]; anything else is a usage error (exit 2) before the server starts. */
function parseRate(text: string): number {
  const rate = Number(text);
  if (text.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidArgumentError(`'${text}' is not a rate between 0 and 1.`);
  return rate;
}

function parsePort(text: string): number {
  const port = parseLimit(text);
  if (port > 65_535) throw new InvalidArgumentError(`'${text}' is not a valid port.`);
  return port;
}

interface EmulatorFlags {
  port: number;
  host: string;
  dataDir?: string;
  apiKey?: string;
  faults: number;
  seed: number;
}

/**
 * Adds `emulator [--port] [--data-dir] [--api-key] [--faults RATE] [--seed]`: a local Tinker API in
 * the foreground. The key may come from `TINKER_EMULATOR_API_KEY` instead of the command line.
 */
export function addEmulatorCommand(program: Command, run: Runner, untilStopped: () => Promise<void>): void {
  program
    .command("emulator")
    .description("Run the local Tinker API emulator in the foreground (Ctrl-C to stop)")
    .addOption(new Option("-p, --port <port>", "Port (0 = any free port)").default(8000).argParser(parsePort))
    .option("--host <host>", "Address to bind", "127.0.0.1")
    .option("--data-dir <dir>", "Where checkpoints are stored (default: a temporary directory)")
    .option(
      "--api-key <key>",
      "Accept only this API key (default: $TINKER_EMULATOR_API_KEY, else any non-empty key); visible in ps, so prefer the variable",
    )
    .addOption(
      new Option("--faults <rate>", "Fraction of requests answered with a random 500 (0-1)")
        .default(0)
        .argParser(parseRate),
    )
    .addOption(new Option("--seed <n>", "Seed of the random faults").default(1).argParser(parseLimit))
    .action((opts: EmulatorFlags) =>
      run(async (ctx) => {
        // The variable keeps the key out of the process list, where every user can read arguments.
        const apiKey = opts.apiKey ?? (ctx.env.TINKER_EMULATOR_API_KEY || undefined);
        const emulator = await startEmulator({
          port: opts.port,
          host: opts.host,
          ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
          ...(apiKey !== undefined ? { apiKey } : {}),
          ...(opts.faults > 0 ? { randomFaults: { rate: opts.faults } } : {}),
          seed: opts.seed,
        });
        // The key itself is never echoed, even when --api-key fixed it.
        ctx.streams.stdout.write(
          `Tinker emulator listening on ${emulator.url}\nUse it with TINKER_BASE_URL=${emulator.url} TINKER_API_KEY=<${apiKey === undefined ? "any" : "your key"}>\n`,
        );
        try {
          await untilStopped();
        } finally {
          await emulator.close();
        }
      }),
    );
}
