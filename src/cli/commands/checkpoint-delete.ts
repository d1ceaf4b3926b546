/**
 * `checkpoint delete` and `checkpoint set-ttl` as the 0.25.0 CLI has them: delete by explicit
 * `tinker://` paths, or every checkpoint of `--run-id` filtered by `--type`, `--before` and
 * `--after` (UTC); a summary and a y/N question unless `-y`; deletions 32 at a time, each failure
 * reported; `set-ttl` with exactly one of `--ttl <seconds>` and `--remove`.
 */
import type { Command } from "commander";
import type { Checkpoint } from "../../types/index.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { formatSize, formatTimestamp } from "../format.js";
import { requireTinkerPath, type Runner } from "./shared.js";

const TYPES: Record<string, Checkpoint["checkpoint_type"]> = {
  weights: "training",
  sampler_weights: "sampler",
  training: "training",
  sampler: "sampler",
};

/** An ISO 8601 date or datetime; date-only and zone-less values are UTC, as the Python CLI reads them. */
export function parseCliDate(value: string): number {
  const v = value.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/.exec(
    v,
  );
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${m[3] ?? "Z"}`) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(
      `Invalid date: ${v}`,
      "Use ISO 8601 format: 2024-01-01, 2024-01-01T12:00:00Z",
      EXIT.usage,
    );
  }
  return ms;
}

/** The checkpoints of a run that match the filters. */
export function filterCheckpoints(
  checkpoints: readonly Checkpoint[],
  type: string | undefined,
  before: number | undefined,
  after: number | undefined,
): Checkpoint[] {
  let out = [...checkpoints];
  if (type) {
    const mapped = TYPES[type];
    if (!mapped)
      throw new CliError(
        `Invalid checkpoint type: ${type}`,
        "Valid types: weights, sampler_weights",
        EXIT.usage,
      );
    out = out.filter((c) => c.checkpoint_type === mapped);
  }
  if (before !== undefined) out = out.filter((c) => Date.parse(c.time) < before);
  if (after !== undefined) out = out.filter((c) => Date.parse(c.time) > after);
  return out;
}

async function confirmDeletion(
  ctx: CliContext,
  paths: readonly string[],
  checkpoints?: Checkpoint[],
): Promise<boolean> {
  const w = (s: string) => ctx.streams.stdout.write(s);
  w(`Will delete ${paths.length} checkpoint(s):\n`);
  if (checkpoints) {
    for (const c of checkpoints) {
      const size = c.size_bytes == null ? "N/A" : formatSize(c.size_bytes);
      w(`  - ${c.tinker_path} (${size}, created ${formatTimestamp(c.time)})\n`);
    }
    w(`\nTotal size: ${formatSize(checkpoints.reduce((n, c) => n + (c.size_bytes ?? 0), 0))}\n`);
  } else {
    for (const p of paths) w(`  - ${p}\n`);
    w("\n");
  }
  w("WARNING: This action is permanent and cannot be undone.\n");
  return ctx.confirm(`Are you sure you want to delete ${paths.length} checkpoint(s)? [y/N]: `);
}

interface DeleteOptions {
  runId?: string;
  type?: string;
  before?: string;
  after?: string;
  yes?: boolean;
}

const EXAMPLES = [
  "Examples:",
  "  tinker-ts checkpoint delete tinker://run-id/weights/0001",
  "  tinker-ts checkpoint delete --run-id <run-id>",
  "  tinker-ts checkpoint delete --run-id <run-id> --type weights --before 2024-06-01",
].join("\n");

async function deleteCommand(ctx: CliContext, paths: string[], o: DeleteOptions): Promise<void> {
  if (paths.length === 0 && !o.runId)
    throw new CliError("Must specify checkpoint paths or --run-id", EXAMPLES, EXIT.usage);
  if (paths.length > 0 && o.runId) {
    throw new CliError(
      "Cannot specify both checkpoint paths and --run-id",
      "Use either explicit paths or --run-id with optional filters",
      EXIT.usage,
    );
  }
  if ((o.type || o.before || o.after) && !o.runId) {
    throw new CliError(
      "--type, --before, and --after require --run-id",
      "Example: tinker-ts checkpoint delete --run-id <run-id> --type weights --before 2024-06-01",
      EXIT.usage,
    );
  }
  const out = ctx.streams.stdout;
  let toDelete: string[];
  if (o.runId) {
    const before = o.before ? parseCliDate(o.before) : undefined;
    const after = o.after ? parseCliDate(o.after) : undefined;
    filterCheckpoints([], o.type, undefined, undefined); // an unknown --type fails before any request
    const listed = (await (await ctx.rest()).listCheckpoints(o.runId)).checkpoints;
    const matching = filterCheckpoints(listed, o.type, before, after);
    if (matching.length === 0) {
      out.write(`No checkpoints found for run ${o.runId} matching filters\n`);
      return;
    }
    toDelete = matching.map((c) => c.tinker_path);
    if (!o.yes && !(await confirmDeletion(ctx, toDelete, matching))) {
      out.write("Deletion cancelled.\n");
      return;
    }
  } else {
    for (const p of paths) requireTinkerPath(p);
    toDelete = paths;
    if (!o.yes && !(await confirmDeletion(ctx, toDelete))) {
      out.write("Deletion cancelled.\n");
      return;
    }
  }
  const results = await (await ctx.rest()).deleteCheckpointsFromTinkerPaths(toDelete);
  const failed = results.filter((r) => r.error);
  const deleted = results.length - failed.length;
  if (ctx.format === "json") {
    const json = {
      deleted_count: deleted,
      failed: failed.map((r) => ({ tinker_path: r.tinker_path, error: r.error?.message })),
    };
    out.write(`${JSON.stringify(json)}\n`);
  } else {
    out.write(`Deleted ${deleted} checkpoint(s)\n`);
    if (failed.length > 0) {
      out.write(`Failed to delete ${failed.length} checkpoint(s):\n`);
      for (const r of failed) out.write(`  - ${r.tinker_path}: ${r.error?.message}\n`);
    }
  }
}

async function setTtlCommand(
  ctx: CliContext,
  path: string,
  o: { ttl?: string; remove?: boolean },
): Promise<void> {
  requireTinkerPath(path);
  const hint = "Use --ttl to set an expiration or --remove to clear it";
  if (o.ttl === undefined && !o.remove)
    throw new CliError("Must specify either --ttl <seconds> or --remove", hint, EXIT.usage);
  if (o.ttl !== undefined && o.remove)
    throw new CliError("Cannot specify both --ttl and --remove", hint, EXIT.usage);
  let ttl: number | null = null;
  if (o.ttl !== undefined) {
    if (!/^\d+$/.test(o.ttl) || Number(o.ttl) <= 0) {
      throw new CliError(
        `Invalid --ttl: ${o.ttl}`,
        "TTL must be a positive whole number of seconds",
        EXIT.usage,
      );
    }
    ttl = Number(o.ttl);
  }
  await (await ctx.rest()).setCheckpointTtlFromTinkerPath(path, ttl);
}

/** Adds `checkpoint delete` and `checkpoint set-ttl` to the checkpoint group. */
export function addDeleteAndTtlCommands(group: Command, run: Runner): void {
  group
    .command("delete")
    .description(
      "Delete checkpoints permanently: by paths, or all of --run-id with filters (asks first unless -y)",
    )
    .argument("[checkpoint-paths...]", "tinker:// paths of the checkpoints")
    .option("--run-id <id>", "Delete all checkpoints for a training run")
    .option("--type <type>", "Filter by type: weights or sampler_weights")
    .option(
      "--before <date>",
      "Filter: created before date in UTC (ISO 8601, e.g. 2024-01-01, 2024-01-01T08:00:00Z)",
    )
    .option("--after <date>", "Filter: created after date in UTC (ISO 8601)")
    .option("-y, --yes", "Skip confirmation prompt")
    .action((paths: string[], opts: DeleteOptions) => run((ctx) => deleteCommand(ctx, paths, opts)));
  group
    .command("set-ttl")
    .description("Set or remove the TTL (time-to-live) of a checkpoint")
    .argument("<checkpoint-path>", "tinker:// path of the checkpoint")
    .option("--ttl <seconds>", "TTL in seconds from now (positive integer)")
    .option("--remove", "Remove the expiration from the checkpoint")
    .action((path: string, opts: { ttl?: string; remove?: boolean }) =>
      run((ctx) => setTtlCommand(ctx, path, opts)),
    );
}
