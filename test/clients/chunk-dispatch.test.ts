/**
 * clients/chunk-dispatch.ts: serial chunks one slot each; parallel chunks 2..n at once and chunk 1
 * after all of them were answered (golden v0.25 fact 12); a byte budget around each submit (fact
 * 13); a failed chunk 2..n keeps chunk 1 from going out; the next call waits for the whole group.
 */
import { describe, expect, it } from "vitest";
import { type ChunkSubmit, dispatchChunks } from "../../src/clients/chunk-dispatch.js";
import { SubmitSequencer } from "../../src/clients/sequencer.js";
import { BytesBudget } from "../../src/lib/bytes-budget.js";

const tick = () => new Promise((r) => setImmediate(r));

/** Submits that record when they start and are answered by hand. */
function manual(n: number, log: string[], tag = "") {
  const answers: Array<(ok: boolean) => void> = [];
  const submits: ChunkSubmit[] = Array.from({ length: n }, (_, i) => () => {
    log.push(`send ${tag}${i + 1}`);
    return new Promise((ok, fail) => {
      answers[i] = (good) =>
        good ? ok({ request_id: `${tag}r${i + 1}` }) : fail(new Error(`chunk ${i + 1}`));
    });
  });
  return { submits, answer: (i: number, good = true) => answers[i - 1]?.(good) };
}

describe("dispatchChunks", () => {
  it("parallel: chunks 2..n at once, chunk 1 after all were answered; the next call after the group", async () => {
    const log: string[] = [];
    const seq = new SubmitSequencer();
    const a = manual(3, log, "a");
    const b = manual(1, log, "b");
    const pa = dispatchChunks(seq, a.submits, { parallel: true, measures: [1, 1, 1] });
    const pb = dispatchChunks(seq, b.submits, { parallel: true, measures: [1] });
    await tick();
    expect(log).toEqual(["send a2", "send a3"]);
    a.answer(3);
    await tick();
    expect(log).toEqual(["send a2", "send a3"]);
    a.answer(2);
    await tick();
    expect(log).toEqual(["send a2", "send a3", "send a1"]);
    a.answer(1);
    await tick();
    expect(log.at(-1)).toBe("send b1");
    b.answer(1);
    expect((await Promise.all([...pa, ...pb])).map((f) => f.request_id)).toEqual([
      "ar1",
      "ar2",
      "ar3",
      "br1",
    ]);
  });

  it("serial: one chunk at a time in seq order", async () => {
    const log: string[] = [];
    const m = manual(3, log);
    const p = dispatchChunks(new SubmitSequencer(), m.submits, { parallel: false, measures: [1, 1, 1] });
    await tick();
    expect(log).toEqual(["send 1"]);
    m.answer(1);
    await tick();
    m.answer(2);
    await tick();
    expect(log).toEqual(["send 1", "send 2", "send 3"]);
    m.answer(3);
    await Promise.all(p);
  });

  it("a budget smaller than one chunk lets one submit through at a time: 2, 3, then 1", async () => {
    const log: string[] = [];
    const m = manual(3, log);
    const budget = new BytesBudget(1);
    const p = dispatchChunks(new SubmitSequencer(), m.submits, {
      parallel: true,
      budget,
      measures: [40, 40, 40],
    });
    await tick();
    expect(log).toEqual(["send 2"]);
    expect(budget.remaining).toBe(-39);
    m.answer(2);
    await tick();
    expect(log).toEqual(["send 2", "send 3"]);
    m.answer(3);
    await tick();
    expect(log).toEqual(["send 2", "send 3", "send 1"]);
    m.answer(1);
    await Promise.all(p);
    expect(budget.remaining).toBe(1);
  });

  it("a failed chunk 2..n reaches its own promise; chunk 1's submit still runs (it fails itself when the call failed)", async () => {
    const log: string[] = [];
    const m = manual(3, log);
    const p = dispatchChunks(new SubmitSequencer(), m.submits, { parallel: true, measures: [1, 1, 1] });
    await tick();
    m.answer(2, false);
    m.answer(3);
    await expect(p[1]).rejects.toThrow("chunk 2");
    await expect(p[2]).resolves.toEqual({ request_id: "r3" });
    await tick();
    expect(log.at(-1)).toBe("send 1");
    m.answer(1);
    await expect(p[0]).resolves.toEqual({ request_id: "r1" });
  });
});
