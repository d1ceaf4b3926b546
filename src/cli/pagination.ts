import { SingleBar } from "cli-progress";
import type { OutputStreams } from "./output.js";

/** One page of a listing and the total the server reports (if it reports one). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly totalCount: number | null;
}

/**
 * Fetches up to `limit` items (0 = all) in pages of `batchSize`, as 0.4.1's `run list` and
 * `checkpoint list` do. A progress bar goes to stderr (0.4.1 writes it to stdout, which corrupts JSON
 * output) and only when stderr is a terminal.
 */
export async function fetchPages<T>(
  limit: number,
  batchSize: number,
  label: string,
  fetchPage: (limit: number, offset: number) => Promise<Page<T>>,
  streams: OutputStreams,
): Promise<{ items: T[]; totalCount: number }> {
  const first = await fetchPage(limit > 0 ? Math.min(batchSize, limit) : batchSize, 0);
  const items = [...first.items];
  const totalCount = first.totalCount ?? items.length;
  const target = Math.min(limit > 0 ? limit : totalCount, totalCount);
  if (items.length >= target || first.items.length === 0)
    return { items: items.slice(0, target), totalCount };
  const bar =
    streams.stderr.isTTY === true
      ? new SingleBar(
          { format: `${label} [{bar}] {value}/{total}`, stream: streams.stderr as NodeJS.WritableStream },
          undefined,
        )
      : null;
  bar?.start(target, items.length);
  try {
    while (items.length < target) {
      const want = Math.min(batchSize, target - items.length);
      const page = await fetchPage(want, items.length);
      items.push(...page.items);
      bar?.update(Math.min(items.length, target));
      if (page.items.length < want) break;
    }
  } finally {
    bar?.stop();
  }
  return { items: items.slice(0, target), totalCount };
}
