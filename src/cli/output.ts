import Table from "cli-table3";
import pc from "picocolors";

// Colour is decided by tableStyle (TTY, NO_COLOR), not by picocolors' own look at process.stdout.
const colors = pc.createColors(true);

/** How results are printed: a table for people, JSON for scripts. */
export type OutputFormat = "table" | "json";

/** Something a command prints: a titled table, and the object its JSON form shows. */
export interface CommandOutput {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly json: unknown;
}

/** Where output goes; tests pass buffers. */
export interface OutputStreams {
  readonly stdout: { write(chunk: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(chunk: string): unknown; readonly isTTY?: boolean };
}

/** How a table is laid out: the terminal's width (none when stdout is not a terminal) and colour. */
export interface TableStyle {
  /** Columns available; `undefined` means no wrapping at all (stdout is a pipe or a file). */
  readonly width: number | undefined;
  readonly color: boolean;
}

/**
 * The layout for `streams`: a TTY's own width (80 when it does not say) and colour unless
 * `NO_COLOR` is set (https://no-color.org); a pipe or file gets unwrapped, uncoloured lines that
 * scripts can cut.
 */
export function tableStyle(streams: OutputStreams, env: NodeJS.ProcessEnv = {}): TableStyle {
  const tty = streams.stdout.isTTY === true;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return { width: tty ? (streams.stdout.columns ?? 80) : undefined, color: tty && !noColor };
}

/**
 * Prints `output` in `format`: 2-space indented JSON with stable keys, or a table laid out by
 * `style` (default: from the streams, see {@link tableStyle}).
 */
export function printOutput(
  output: CommandOutput,
  format: OutputFormat,
  streams: OutputStreams,
  style: TableStyle = tableStyle(streams),
): void {
  if (format === "json") {
    streams.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    return;
  }
  if (output.title) streams.stdout.write(`${output.title}\n`);
  if (output.rows.length === 0) return;
  const widths = columnWidths(output, style.width);
  const table = new Table({
    head: [...output.columns],
    colWidths: widths,
    // Wrap only between words: an id, a tinker:// path or a time's date stays whole on its line.
    wordWrap: style.width !== undefined,
    wrapOnWordBoundary: true,
    style: { head: style.color ? ["bold"] : [], border: [], compact: false },
  });
  for (const row of output.rows) {
    // Colour only a cell that fits on one line, so that wrapping never splits an escape code.
    table.push(
      row.map((cell, i) =>
        i === 0 && style.color && cell.length + 2 <= (widths[i] ?? 0) ? colors.cyan(cell) : cell,
      ),
    );
  }
  streams.stdout.write(`${table.toString()}\n`);
}

// Natural widths, shrunk (widest shrinkable column first) until the table fits `width` with its
// borders. A column never gets narrower than its longest word, so ids and paths are never broken;
// a table that cannot fit then stays wider than the terminal rather than cut a path in two.
function columnWidths(output: CommandOutput, width: number | undefined): number[] {
  const cells = [output.columns, ...output.rows];
  const natural = output.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)) + 2);
  if (width === undefined) return natural;
  const floor = output.columns.map((_, i) => Math.max(...cells.map((r) => longestWord(r[i] ?? "")), 4) + 2);
  const widths = [...natural];
  const borders = output.columns.length + 1;
  while (widths.reduce((a, b) => a + b, 0) + borders > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)))
        widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

function longestWord(cell: string): number {
  return Math.max(0, ...cell.split(/\s+/).map((w) => w.length));
}
