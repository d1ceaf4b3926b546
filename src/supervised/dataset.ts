/**
 * Supervised datasets: batches of `Datum`s, a seeded shuffle per epoch, and the cookbook's JSONL
 * conversations file (`{"messages": [...]}` per line, `FromConversationFileBuilder`) with a held-out split.
 */
import { readFileSync } from "node:fs";
import { seededRandom } from "../lib/seeded-random.js";
import type { Message, Renderer, TrainOnWhat } from "../renderers/types.js";
import type { Datum } from "../types/datum.js";
import { conversationToDatum, type WeightReduction } from "./datum.js";
import { SupervisedError } from "./errors.js";

/** Batches of training data (the cookbook's `SupervisedDataset`). */
export interface SupervisedDataset {
  /** Number of complete batches; a last partial batch is dropped, as the cookbook does. */
  readonly length: number;
  /** Batch `index` (0-based) of the current epoch's order. */
  getBatch(index: number): Datum[];
  /** Orders the rows for an epoch; the same seed always gives the same order. */
  setEpoch(seed: number): void;
}

/** A permutation of `0 … n-1`, the same for the same seed (Fisher–Yates over mulberry32, not numpy's generator). */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * A dataset of rows turned into `Datum`s by `toDatum` when their batch is asked for. `setEpoch(seed)`
 * shuffles from the original order each time, so an epoch's order depends on its seed alone (a
 * resumed run sees the batches the interrupted one would have).
 */
export class RowDataset<Row> implements SupervisedDataset {
  readonly #rows: readonly Row[];
  readonly #toDatum: (row: Row) => Datum;
  readonly batchSize: number;
  #order: readonly number[];

  constructor(rows: readonly Row[], batchSize: number, toDatum: (row: Row) => Datum) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new SupervisedError(`batch size must be a positive integer, got ${batchSize}`, "CONFIGURATION");
    }
    this.#rows = rows;
    this.#toDatum = toDatum;
    this.batchSize = batchSize;
    this.#order = rows.map((_, i) => i);
  }

  get length(): number {
    return Math.floor(this.#rows.length / this.batchSize);
  }

  /** The rows of the dataset, in the current epoch's order. */
  rows(): Row[] {
    return this.#order.map((i) => this.#rows[i] as Row);
  }

  getBatch(index: number): Datum[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new SupervisedError(`batch ${index} is out of range (${this.length} batches)`, "CONFIGURATION");
    }
    const ids = this.#order.slice(index * this.batchSize, (index + 1) * this.batchSize);
    return ids.map((i) => this.#toDatum(this.#rows[i] as Row));
  }

  setEpoch(seed: number): void {
    this.#order = seededPermutation(this.#rows.length, seed);
  }
}

/** A conversation row as the JSONL file holds it. */
export interface ConversationRow {
  readonly messages: readonly Message[];
}

function checkRow(row: unknown, where: string): ConversationRow {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new SupervisedError(`${where}: expected a JSON object`, "DATA_FORMAT");
  }
  const messages = (row as { messages?: unknown }).messages;
  if (messages === undefined) {
    throw new SupervisedError(
      `${where}: each line must contain a "messages" field; got keys ${JSON.stringify(Object.keys(row))}`,
      "DATA_FORMAT",
    );
  }
  if (!Array.isArray(messages))
    throw new SupervisedError(`${where}: "messages" must be a list`, "DATA_FORMAT");
  messages.forEach((m, i) => {
    const ok =
      typeof m === "object" &&
      m !== null &&
      typeof (m as { role?: unknown }).role === "string" &&
      (typeof (m as { content?: unknown }).content === "string" ||
        Array.isArray((m as { content?: unknown }).content));
    if (!ok) {
      throw new SupervisedError(
        `${where}: messages[${i}] needs a string "role" and a "content"`,
        "DATA_FORMAT",
      );
    }
  });
  return row as ConversationRow;
}

/** The conversations of a JSONL file, one `{"messages": [...]}` object per line (blank lines skipped). */
export function readConversationsJsonl(path: string): ConversationRow[] {
  const out: ConversationRow[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const text = line.trim();
      if (text === "") return;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (e) {
        throw new SupervisedError(`${path}:${i + 1}: not JSON (${(e as Error).message})`, "DATA_FORMAT", {
          cause: e,
        });
      }
      out.push(checkRow(row, `${path}:${i + 1}`));
    });
  return out;
}

/** How conversations become `Datum`s and batches. */
export interface ConversationDatasetOptions {
  readonly renderer: Renderer;
  readonly batchSize: number;
  readonly maxLength?: number | null;
  /** Default `all_assistant_messages`. */
  readonly trainOnWhat?: TrainOnWhat;
  /** Default `mean`, as the cookbook's SFT. */
  readonly reduction?: WeightReduction;
}

/** A dataset over conversations already in memory. */
export function conversationDataset(
  rows: readonly ConversationRow[],
  options: ConversationDatasetOptions,
): RowDataset<ConversationRow> {
  const { renderer, maxLength, trainOnWhat, reduction } = options;
  return new RowDataset(rows, options.batchSize, (row) =>
    conversationToDatum(row.messages, renderer, { maxLength, trainOnWhat, reduction }),
  );
}

/** Options of {@link conversationFileDataset}: the file, the split, and {@link ConversationDatasetOptions}. */
export interface ConversationFileOptions extends ConversationDatasetOptions {
  readonly filePath: string;
  /** Conversations held out for evaluation (default 0: none). */
  readonly testSize?: number;
  /** Seed of the shuffle before the split (default 0). */
  readonly shuffleSeed?: number;
}

/**
 * Train and held-out datasets from a JSONL conversations file, as the cookbook's
 * `FromConversationFileBuilder`: the rows are shuffled with `shuffleSeed`, the first `testSize`
 * are held out (one batch of all of them), the rest train; with `testSize` 0, or no more rows
 * than that, everything trains and `test` is null.
 */
export function conversationFileDataset(options: ConversationFileOptions): {
  train: RowDataset<ConversationRow>;
  test: RowDataset<ConversationRow> | null;
} {
  const all = readConversationsJsonl(options.filePath);
  const order = seededPermutation(all.length, options.shuffleSeed ?? 0);
  const rows = order.map((i) => all[i] as ConversationRow);
  const testSize = options.testSize ?? 0;
  if (testSize > 0 && rows.length > testSize) {
    return {
      train: conversationDataset(rows.slice(testSize), options),
      test: conversationDataset(rows.slice(0, testSize), { ...options, batchSize: testSize }),
    };
  }
  return { train: conversationDataset(rows, options), test: null };
}
