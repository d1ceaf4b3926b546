import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { fetchPages, type Page } from "../../src/cli/pagination.js";

/** A writable that records what was written and can pose as a terminal. */
function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  s.text = "";
  s.isTTY = isTTY;
  s.columns = 80;
  return s;
}

/** A listing of `total` numbered items that records the (limit, offset) of every page request. */
function listing(total: number) {
  const calls: Array<[number, number]> = [];
  const fetchPage = async (limit: number, offset: number): Promise<Page<number>> => {
    calls.push([limit, offset]);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
    return { items, totalCount: total };
  };
  return { calls, fetchPage };
}

describe("fetchPages (0.4.1 list pagination)", () => {
  it("fetches everything in pages of the batch size when the limit is 0", async () => {
    const { calls, fetchPage } = listing(250);
    const streams = { stdout: sink(false), stderr: sink(false) };
    const { items, totalCount } = await fetchPages(0, 100, "Fetching", fetchPage, streams);
    expect(items).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(totalCount).toBe(250);
    expect(calls).toEqual([
      [100, 0],
      [100, 100],
      [50, 200],
    ]);
    expect(streams.stderr.text + streams.stdout.text).toBe("");
  });

  it("stops at the limit and asks only for what is still missing", async () => {
    const { calls, fetchPage } = listing(1000);
    const streams = { stdout: sink(false), stderr: sink(false) };
    const { items, totalCount } = await fetchPages(130, 100, "Fetching", fetchPage, streams);
    expect(items).toHaveLength(130);
    expect(totalCount).toBe(1000);
    expect(calls).toEqual([
      [100, 0],
      [30, 100],
    ]);
  });

  it("draws a progress bar on a terminal's stderr only, never on stdout", async () => {
    const { fetchPage } = listing(300);
    const streams = { stdout: sink(true), stderr: sink(true) };
    await fetchPages(0, 100, "Fetching all runs", fetchPage, streams);
    expect(streams.stderr.text).toContain("Fetching all runs");
    expect(streams.stdout.text).toBe("");
  });

  it("ends early when the server returns a short page", async () => {
    const calls: number[] = [];
    const fetchPage = async (_limit: number, offset: number): Promise<Page<number>> => {
      calls.push(offset);
      return { items: offset === 0 ? [1, 2] : [3], totalCount: 10 };
    };
    const streams = { stdout: sink(false), stderr: sink(false) };
    expect((await fetchPages(0, 2, "x", fetchPage, streams)).items).toEqual([1, 2, 3]);
    expect(calls).toEqual([0, 2]);
  });
});
