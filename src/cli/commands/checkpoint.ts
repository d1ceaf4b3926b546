import type { Command } from "commander";
import { parseTinkerPath } from "../../lib/tinker-path.js";
import type { Checkpoint } from "../../types/index.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT, toCliError } from "../errors.js";
import { formatBool, formatSize, formatTimestamp } from "../format.js";
import { type CommandOutput, printOutput } from "../output.js";
import { fetchPages } from "../pagination.js";
import { addDeleteAndTtlCommands } from "./checkpoint-delete.js";
import { addDownloadCommand } from "./download.js";
import { parseLimit, requireTinkerPath, type Runner } from "./shared.js";

function count(n: number): string {
  return `${n} checkpoint${n === 1 ? "" : "s"}`;
}

/** `checkpoint list` output: with a run id there is no total, as in 0.4.1. */
export function checkpointListOutput(
  checkpoints: readonly Checkpoint[],
  runId: string | null,
  totalCount: number | null,
): CommandOutput {
  const n = checkpoints.length;
  let title: string;
  if (runId !== null)
    title = n === 0 ? `No checkpoints found for run ${runId}` : `${count(n)} for run ${runId}`;
  else title = n === 0 ? "No checkpoints found" : count(n);
  if (n > 0 && totalCount !== null && totalCount > n)
    title += ` (${totalCount - n} more not shown, use --limit to see more)`;
  return {
    title,
    columns: ["Checkpoint ID", "Type", "Size", "Public", "Created", "Path"],
    rows: checkpoints.map((c) => [
      c.checkpoint_id,
      c.checkpoint_type,
      formatSize(c.size_bytes),
      formatBool(c.public),
      formatTimestamp(c.time),
      c.tinker_path,
    ]),
    json: runId !== null ? { run_id: runId, checkpoints } : { checkpoints },
  };
}

/** `checkpoint info` output. */
export function checkpointInfoOutput(c: Checkpoint): CommandOutput {
  return {
    title: `Checkpoint: ${c.checkpoint_id}`,
    columns: ["Property", "Value"],
    rows: [
      ["Checkpoint ID", c.checkpoint_id],
      ["Type", c.checkpoint_type],
      ["Tinker Path", c.tinker_path],
      ["Size", formatSize(c.size_bytes)],
      ["Public", formatBool(c.public)],
      ["Created", formatTimestamp(c.time)],
      ["Training Run ID", c.tinker_path.replace("tinker://", "").split("/")[0] ?? ""],
    ],
    json: c,
  };
}

/** Finds a checkpoint by its exact `tinker://` path among its run's checkpoints, as 0.4.1 does. */
export async function checkpointFromPath(ctx: CliContext, path: string): Promise<Checkpoint> {
  let runId: string;
  try {
    runId = parseTinkerPath(path).trainingRunId;
  } catch (err) {
    throw new CliError(
      `Invalid checkpoint path: ${(err as Error).message}`,
      "Checkpoint paths should be in the format: tinker://run-id/weights/0001",
      EXIT.usage,
    );
  }
  let checkpoints: readonly Checkpoint[];
  try {
    checkpoints = (await (await ctx.rest()).listCheckpoints(runId)).checkpoints;
  } catch (err) {
    const mapped = toCliError(err);
    throw new CliError(`Failed to retrieve checkpoint: ${(err as Error).message}`, null, mapped.exitCode);
  }
  const found = checkpoints.find((c) => c.tinker_path === path);
  if (!found) throw new CliError(`Checkpoint not found: ${path}`, null, EXIT.notFound);
  return found;
}

/** Adds the `checkpoint` group. */
export function addCheckpointCommands(program: Command, run: Runner): void {
  const group = program.command("checkpoint").description("Manage checkpoints.");
  group
    .command("list")
    .description("List checkpoints of a run, or of all your runs")
    .option("--run-id <id>", "Training run ID")
    .option(
      "--limit <n>",
      "Maximum number of checkpoints to display when listing from all runs (default: 20, use --limit=0 to show all)",
      "20",
    )
    .action((opts: { runId?: string; limit: string }) =>
      run(async (ctx) => {
        const limit = parseLimit(opts.limit);
        const rest = await ctx.rest();
        if (opts.runId !== undefined) {
          const page = await rest.listCheckpoints(opts.runId);
          printOutput(
            checkpointListOutput(page.checkpoints, opts.runId, null),
            ctx.format,
            ctx.streams,
            ctx.tableStyle,
          );
          return;
        }
        const { items, totalCount } = await fetchPages(
          limit,
          1000,
          `Fetching ${limit > 0 ? limit : "all"} checkpoints`,
          async (pageLimit, offset) => {
            const page = await rest.listUserCheckpoints({ limit: pageLimit, offset });
            return { items: page.checkpoints, totalCount: page.cursor?.total_count ?? null };
          },
          ctx.streams,
        );
        printOutput(checkpointListOutput(items, null, totalCount), ctx.format, ctx.streams, ctx.tableStyle);
      }),
    );
  group
    .command("info")
    .description("Show details of a checkpoint")
    .argument("<checkpoint-path>", "tinker:// path of the checkpoint")
    .action((path: string) =>
      run(async (ctx) => {
        requireTinkerPath(path);
        printOutput(
          checkpointInfoOutput(await checkpointFromPath(ctx, path)),
          ctx.format,
          ctx.streams,
          ctx.tableStyle,
        );
      }),
    );
  for (const [name, verb] of [
    ["publish", "Make a checkpoint public"],
    ["unpublish", "Make a checkpoint private"],
  ] as const) {
    group
      .command(name)
      .description(verb)
      .argument("<checkpoint-path>", "tinker:// path of the checkpoint")
      .action((path: string) =>
        run(async (ctx) => {
          requireTinkerPath(path);
          const rest = await ctx.rest();
          if (name === "publish") await rest.publishCheckpointFromTinkerPath(path);
          else await rest.unpublishCheckpointFromTinkerPath(path);
        }),
      );
  }
  addDeleteAndTtlCommands(group, run);
  addDownloadCommand(group, run);
}
