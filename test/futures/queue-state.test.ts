import { describe, expect, it } from "vitest";
import { createQueueStateWarner } from "../../src/futures/index.js";

function setup(kind: "training" | "sampling", subject: string) {
  const clock = { t: 1_000 };
  const warnings: string[] = [];
  const observe = createQueueStateWarner({
    kind,
    subject: () => subject,
    now: () => clock.t,
    warn: (m) => warnings.push(m),
  });
  return { clock, warnings, observe };
}

describe("createQueueStateWarner", () => {
  it("warns for paused training with 0.4.1's reasons, at most once per 60 s", () => {
    const { clock, warnings, observe } = setup("training", "model-1");
    observe("active");
    expect(warnings).toEqual([]);
    observe("paused_capacity");
    clock.t += 59_999;
    observe("paused_rate_limit");
    expect(warnings).toEqual(["Training is paused for model-1. Reason: out of capacity"]);
    clock.t += 1;
    observe("paused_rate_limit");
    clock.t += 60_000;
    observe("unknown");
    expect(warnings).toEqual([
      "Training is paused for model-1. Reason: out of capacity",
      "Training is paused for model-1. Reason: concurrent models rate limit hit; waiting for 60 s so far",
      "Training is paused for model-1. Reason: unknown; waiting for 120 s so far",
    ]);
  });

  it("active states never warn nor consume the throttle", () => {
    const { warnings, observe } = setup("training", "m");
    observe("active");
    observe("paused_capacity");
    expect(warnings).toHaveLength(1);
  });

  it("sampling wording with the subject the client names (never 0.4.1's None)", () => {
    const { warnings, observe } = setup("sampling", "Qwen/Qwen3-8B");
    observe("paused_rate_limit");
    expect(warnings).toEqual([
      "Sampling is paused for Qwen/Qwen3-8B. Reason: concurrent LoRA rate limit hit",
    ]);
  });

  it("adds the server's queue_state_reason and how long the wait has lasted", () => {
    const { clock, warnings, observe } = setup("training", "m");
    observe("paused_capacity", "GPU pool drained");
    clock.t += 61_000;
    observe("unknown", "maintenance window");
    clock.t += 61_000;
    observe("paused_capacity");
    expect(warnings).toEqual([
      "Training is paused for m. Reason: out of capacity (GPU pool drained)",
      "Training is paused for m. Reason: maintenance window; waiting for 61 s so far",
      "Training is paused for m. Reason: out of capacity; waiting for 122 s so far",
    ]);
  });

  it("an active state ends the wait: the next pause counts from zero", () => {
    const { clock, warnings, observe } = setup("training", "m");
    observe("paused_capacity");
    clock.t += 30_000;
    observe("active");
    clock.t += 31_000;
    observe("paused_capacity");
    expect(warnings).toEqual([
      "Training is paused for m. Reason: out of capacity",
      "Training is paused for m. Reason: out of capacity",
    ]);
  });

  it("separate warners throttle independently", () => {
    const one = setup("training", "a");
    const two = setup("training", "b");
    one.observe("paused_capacity");
    two.observe("paused_capacity");
    one.observe("paused_capacity");
    expect(one.warnings).toHaveLength(1);
    expect(two.warnings).toHaveLength(1);
  });
});
