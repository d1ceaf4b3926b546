import { ValidationError } from "../../../src/errors/index.js";
import { describe, expect, it } from "vitest";
import {
  buildTinkerPath,
  isTinkerPath,
  parseTinkerPath,
  TinkerPathError,
} from "../../../src/lib/tinker-path.js";

describe("parseTinkerPath (0.4.1 ParsedCheckpointTinkerPath.from_tinker_path)", () => {
  it("parses training (weights) checkpoints", () => {
    expect(parseTinkerPath("tinker://run-1/weights/0001")).toEqual({
      tinkerPath: "tinker://run-1/weights/0001",
      trainingRunId: "run-1",
      checkpointType: "training",
      checkpointId: "weights/0001",
    });
  });

  it("parses sampler checkpoints", () => {
    expect(parseTinkerPath("tinker://abc:train:0/sampler_weights/final")).toEqual({
      tinkerPath: "tinker://abc:train:0/sampler_weights/final",
      trainingRunId: "abc:train:0",
      checkpointType: "sampler",
      checkpointId: "sampler_weights/final",
    });
  });

  it("accepts empty run id and empty name, as 0.4.1 does", () => {
    expect(parseTinkerPath("tinker:///weights/x").trainingRunId).toBe("");
    expect(parseTinkerPath("tinker://run/weights/").checkpointId).toBe("weights/");
  });

  it.each([
    ["run/weights/0001", "must start with tinker://"],
    ["Tinker://run/weights/0001", "must start with tinker://"],
    ["tinker://run/weights", "2 segments"],
    ["tinker://run/weights/0001/", "4 segments"],
    ["tinker://run/weights/a/b", "4 segments"],
    ["tinker://run/checkpoints/0001", "'checkpoints'"],
    ["tinker://run/Weights/0001", "'Weights'"],
    ["", "must start with tinker://"],
  ])("refuses %j", (path, problem) => {
    expect(isTinkerPath(path)).toBe(false);
    try {
      parseTinkerPath(path);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TinkerPathError);
      const err = e as TinkerPathError;
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.code).toBe("TINKER_VALIDATION");
      expect(err.path).toBe(path);
      expect(err.message).toContain(`Invalid tinker path: ${path}`);
      expect(err.message).toContain(problem);
    }
  });
});

describe("buildTinkerPath", () => {
  it("builds from a name and type, or from a full checkpoint id", () => {
    expect(buildTinkerPath("run-1", "0001")).toBe("tinker://run-1/weights/0001");
    expect(buildTinkerPath("run-1", "0001", "sampler")).toBe("tinker://run-1/sampler_weights/0001");
    expect(buildTinkerPath("run-1", "sampler_weights/0001")).toBe("tinker://run-1/sampler_weights/0001");
  });

  it("round-trips with parseTinkerPath", () => {
    const p = parseTinkerPath(buildTinkerPath("r", "n", "sampler"));
    expect(buildTinkerPath(p.trainingRunId, p.checkpointId)).toBe(p.tinkerPath);
  });

  it("refuses parts that would not parse back", () => {
    expect(() => buildTinkerPath("a/b", "0001")).toThrow(TinkerPathError);
    expect(() => buildTinkerPath("run", "x/y")).toThrow(TinkerPathError);
  });
});
