/** The replay harness itself: loading, summaries, float-aware hashing, and that it sees differences. */
import { describe, expect, it } from "vitest";
import { encodeFromDisplay } from "../../src/protocol/v0_25/codec.js";
import { checkProtobufRequest, hasSummaries, isProtobufRequest, messageBytes } from "./bodies.js";
import { type Json, loadMetaV025, loadTranscriptV025, SCENARIOS_V025 } from "./golden.js";
import { diffAgainstRecorded } from "./match.js";
import { pyDisplaySha256, pyDumpDisplay } from "./py-display.js";
import { zstdCompress } from "../../src/protocol/zstd.js";

describe("loading", () => {
  it.each(SCENARIOS_V025)("%s: lines in seq order, request_count as the meta says", (name) => {
    const lines = loadTranscriptV025(name);
    expect(lines.length).toBe(loadMetaV025(name).request_count);
  });
});

describe("python-compatible dump of the decoded form", () => {
  it("writes float32 values and metric values as floats, the rest as ints", () => {
    const v: Json = { __bytes__: 8, le: "float32", values: [1, 0.5] };
    expect(pyDumpDisplay(v)).toBe('{"__bytes__":8,"le":"float32","values":[1.0,0.5]}');
    expect(pyDumpDisplay({ __bytes__: 8, le: "int32", values: [1, 2] })).toBe(
      '{"__bytes__":8,"le":"int32","values":[1,2]}',
    );
    expect(pyDumpDisplay({ metrics: { "loss:sum": 2 }, num_datums: 2 })).toBe(
      '{"metrics":{"loss:sum":2.0},"num_datums":2}',
    );
  });

  it("matches a recorded summary hash (156 250 float weights of 1.0)", () => {
    expect(pyDisplaySha256(new Array(156_250).fill(1), true)).toBe(
      "0445ad926c1bd654e63222a00ff348c2b6b4f57bf6131da2a11cfcf5387bee4c",
    );
  });
});

describe("diffAgainstRecorded", () => {
  const summary = (values: number[]): Json => ({
    __array__: values.length,
    head: values.slice(0, 4),
    tail: values.slice(-2),
    sha256_compact_json: pyDisplaySha256(values),
  });
  const big = Array.from({ length: 100 }, (_, i) => i);

  it("accepts an equal body, summaries included", () => {
    expect(diffAgainstRecorded({ a: summary(big), b: "x" }, { a: big, b: "x" })).toEqual([]);
  });

  it("reports a changed middle element of a summarised array through the hash", () => {
    const changed = [...big];
    changed[50] = -1;
    expect(diffAgainstRecorded({ a: summary(big) }, { a: changed })).toEqual([
      expect.stringContaining("$.a: sha256_compact_json"),
    ]);
  });

  it("reports length, head, missing and unexpected keys", () => {
    expect(diffAgainstRecorded(summary(big), big.slice(1))[0]).toContain("length 99 != 100");
    const wrongHead = [...big];
    wrongHead[0] = 7;
    expect(diffAgainstRecorded(summary(big), wrongHead)).toContain("$[0]: 7 != 0");
    expect(diffAgainstRecorded({ a: 1 }, {})).toEqual(["$.a: missing (recorded 1)"]);
    expect(diffAgainstRecorded({}, { b: 1 })).toEqual(["$.b: unexpected 1"]);
  });

  it("knows which recorded bodies are summarised", () => {
    const chunking = loadTranscriptV025("chunking").filter(isProtobufRequest);
    expect(chunking.filter((l) => hasSummaries(l.body)).map((l) => l.seq)).toEqual([7, 11, 14, 16, 21]);
  });
});

describe("checkProtobufRequest", () => {
  const line = loadTranscriptV025("training_proto").find((l) => l.seq === 7);
  if (!line) throw new Error("training_proto:7 missing");

  it("accepts the recorded message and a zstd frame of it once decompressed", async () => {
    const bytes = encodeFromDisplay(line.body as { [k: string]: Json });
    expect(checkProtobufRequest(line, bytes)).toEqual([]);
    const frame = await zstdCompress(bytes);
    expect(checkProtobufRequest(line, await messageBytes(frame, "zstd"))).toEqual([]);
  });

  it("reports a different seq_id three ways (field, length stays, hash)", () => {
    const body = { ...(line.body as { [k: string]: Json }), seq_id: 2 };
    const diffs = checkProtobufRequest(line, encodeFromDisplay(body));
    expect(diffs).toContain("seq 7 body.seq_id: 2 != 1");
    expect(diffs.some((d) => d.includes("canonical sha256"))).toBe(true);
  });

  it("reports bytes that are not the message", () => {
    expect(checkProtobufRequest(line, Uint8Array.of(0x0a, 0xff)).at(0)).toContain("do not decode");
  });
});
