/**
 * JSONL conversation datasets: parsing and its refusals, batching, the seeded shuffle per epoch and
 * the held-out split of the cookbook's FromConversationFileBuilder.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  conversationDataset,
  conversationFileDataset,
  type ConversationRow,
  readConversationsJsonl,
  seededPermutation,
  SupervisedError,
} from "../../src/supervised/index.js";
import { roleColonRenderer } from "./role-colon-renderer.js";

const dir = mkdtempSync(join(tmpdir(), "sft-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(n: number): ConversationRow[] {
  return Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: "user", content: `question ${i}` },
      { role: "assistant", content: `answer ${i}` },
    ],
  }));
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Which rows a batch holds, read back from its first user message. */
function ids(batch: ReturnType<ReturnType<typeof conversationDataset>["getBatch"]>): number[] {
  return batch.map((d) => {
    const s = new TextDecoder().decode(Uint8Array.from(d.model_input.toInts()));
    return Number(/question (\d+)/.exec(s)?.[1]);
  });
}

describe("readConversationsJsonl", () => {
  it("reads one conversation per line and skips blank lines", () => {
    const p = file(
      "ok.jsonl",
      `${rows(3)
        .map((r) => JSON.stringify(r))
        .join("\n")}\n\n`,
    );
    expect(readConversationsJsonl(p)).toEqual(rows(3));
  });

  it("refuses lines without messages, non-JSON and bad messages, naming the line", () => {
    const bad = [
      ['{"messages": []}\n{"conversation": []}\n', /bad1\.jsonl:2: .*"messages"/],
      ['{"messages": [1]}\n', /messages\[0\]/],
      ["not json\n", /not JSON/],
      ['{"messages": "hi"}\n', /must be a list/],
    ] as const;
    bad.forEach(([text, msg], i) => {
      const p = file(`bad${i + 1}.jsonl`, text);
      expect(() => readConversationsJsonl(p)).toThrow(msg);
      try {
        readConversationsJsonl(p);
      } catch (e) {
        expect((e as SupervisedError).code).toBe("DATA_FORMAT");
      }
    });
  });
});

describe("conversationDataset", () => {
  it("batches in file order until the first setEpoch, dropping a partial last batch", () => {
    const ds = conversationDataset(rows(7), { renderer: roleColonRenderer, batchSize: 3 });
    expect(ds.length).toBe(2);
    expect(ids(ds.getBatch(0))).toEqual([0, 1, 2]);
    expect(ids(ds.getBatch(1))).toEqual([3, 4, 5]);
    expect(() => ds.getBatch(2)).toThrow(SupervisedError);
    expect(() => conversationDataset(rows(2), { renderer: roleColonRenderer, batchSize: 0 })).toThrow(
      SupervisedError,
    );
  });

  it("shuffles by epoch seed alone: same seed same order, whatever came before", () => {
    const a = conversationDataset(rows(20), { renderer: roleColonRenderer, batchSize: 4 });
    const b = conversationDataset(rows(20), { renderer: roleColonRenderer, batchSize: 4 });
    const order = (ds: typeof a) => Array.from({ length: ds.length }, (_, i) => ids(ds.getBatch(i))).flat();
    a.setEpoch(3);
    b.setEpoch(0);
    b.setEpoch(1);
    b.setEpoch(3);
    expect(order(a)).toEqual(order(b));
    const e3 = order(a);
    a.setEpoch(4);
    expect(order(a)).not.toEqual(e3);
    expect([...e3].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Pinned, so a change of generator (which would change resumed runs' data) is noticed.
    expect(seededPermutation(8, 0)).toEqual(seededPermutation(8, 0));
    expect(seededPermutation(8, 0)).toMatchInlineSnapshot(`
      [
        4,
        7,
        3,
        5,
        6,
        1,
        0,
        2,
      ]
    `);
  });
});

describe("conversationFileDataset", () => {
  const p = file(
    "ten.jsonl",
    rows(10)
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );

  it("holds out the first testSize rows after a seeded shuffle, as one batch", () => {
    const { train, test } = conversationFileDataset({
      filePath: p,
      renderer: roleColonRenderer,
      batchSize: 2,
      testSize: 3,
      shuffleSeed: 5,
    });
    expect(train.length).toBe(3);
    expect(test?.length).toBe(1);
    const held = ids(test?.getBatch(0) ?? []);
    const trained = Array.from({ length: 3 }, (_, i) => ids(train.getBatch(i))).flat();
    expect(held).toHaveLength(3);
    expect(held).toEqual(seededPermutation(10, 5).slice(0, 3));
    expect(trained).toEqual(seededPermutation(10, 5).slice(3, 9));
    // The same seed gives the same split; another seed another.
    const again = conversationFileDataset({
      filePath: p,
      renderer: roleColonRenderer,
      batchSize: 2,
      testSize: 3,
      shuffleSeed: 5,
    });
    expect(ids(again.test?.getBatch(0) ?? [])).toEqual(held);
  });

  it("trains on everything when testSize is 0 or not below the row count", () => {
    for (const testSize of [0, 10, 11]) {
      const { train, test } = conversationFileDataset({
        filePath: p,
        renderer: roleColonRenderer,
        batchSize: 5,
        testSize,
      });
      expect(test).toBeNull();
      expect(train.length).toBe(2);
    }
  });
});
