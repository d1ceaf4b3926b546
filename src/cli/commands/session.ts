/**
 * `session export-trace SESSION_ID`: has the server build the session's Perfetto trace (the
 * RestClient waits while it is pending), then downloads it (`--output`, default
 * `./<session-id>.pftrace`) or prints the signed URL (`--url-only`), as the 0.25.0 CLI does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { formatSize } from "../format.js";
import { type CommandOutput, printOutput } from "../output.js";
import type { Runner } from "./shared.js";

/** The table/JSON of a finished export. */
export function traceExportOutput(
  sessionId: string,
  o: { url?: string; destination?: string; size?: number },
): CommandOutput {
  const rows: string[][] = [["Session ID", sessionId]];
  const json: Record<string, unknown> = { session_id: sessionId };
  if (o.url !== undefined) {
    rows.push(["Download URL", o.url]);
    json.url = o.url;
  }
  if (o.destination !== undefined) {
    rows.push(["Saved to", o.destination]);
    json.destination = o.destination;
  }
  if (o.size) {
    rows.push(["Size", formatSize(o.size)]);
    json.file_size_bytes = o.size;
  }
  return { title: `Trace Export: ${sessionId}`, columns: ["Property", "Value"], rows, json };
}

async function download(url: string, path: string): Promise<number> {
  const hint =
    "The signed URL may have expired (it is valid for about an hour). Re-run the command to get a fresh one.";
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new CliError(`Failed to download trace: ${(err as Error).message}`, hint);
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  } catch (err) {
    throw new CliError(
      `Failed to save trace: ${(err as Error).message}`,
      `Please check that you have write permissions to ${dirname(path)}`,
    );
  }
  return bytes.byteLength;
}

async function exportTrace(ctx: CliContext, sessionId: string, o: { output?: string; urlOnly?: boolean }) {
  if (ctx.format !== "json") {
    ctx.streams.stderr.write(`Exporting trace for session ${sessionId} (this may take a while)...\n`);
  }
  const url = await (await ctx.rest()).exportSessionTrace(sessionId);
  if (o.urlOnly) {
    // A bare URL on stdout, for `curl -o t.pftrace "$(tinker-ts session export-trace ID --url-only)"`.
    if (ctx.format === "json") printOutput(traceExportOutput(sessionId, { url }), ctx.format, ctx.streams);
    else ctx.streams.stdout.write(`${url}\n`);
    return;
  }
  const destination = resolve(o.output ?? `${sessionId}.pftrace`);
  const size = await download(url, destination);
  printOutput(traceExportOutput(sessionId, { destination, size }), ctx.format, ctx.streams, ctx.tableStyle);
}

/** Adds `session export-trace`. */
export function addSessionCommands(program: Command, run: Runner): void {
  const group = program.command("session").description("Manage sessions.");
  group
    .command("export-trace")
    .description(
      "Export a session's timeline as a Perfetto trace (.pftrace; open it in https://ui.perfetto.dev)",
    )
    .argument("<session-id>", "Session ID")
    .option("-o, --output <path>", "Output file path (default: ./<session-id>.pftrace)")
    .option("--url-only", "Print the signed download URL instead of downloading the trace")
    .action((sessionId: string, opts: { output?: string; urlOnly?: boolean }) =>
      run((ctx) => exportTrace(ctx, sessionId, opts)),
    );
}
