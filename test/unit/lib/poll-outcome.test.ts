/**
 * The poller's outcome classification (`classifyPollAnswer`), as a table: every kind of answer a
 * `/retrieve_future` poll can get, and what 0.4.1's loop does with it.
 */
import { describe, expect, it } from "vitest";
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  makeStatusError,
} from "../../../src/errors/index.js";
import { classifyPollAnswer, type PollAnswer, pollStatusIsRetried } from "../../../src/lib/retry-policy.js";

const status = (code: number, body: unknown = { detail: "x" }) => ({
  error: makeStatusError(code, "", {}, body),
});

const TABLE: ReadonlyArray<readonly [string, PollAnswer, boolean, string]> = [
  ["a user abort", { error: new APIUserAbortError() }, false, "aborted"],
  ["any error once the signal fired", status(500), true, "aborted"],
  ["408 (still queued)", status(408, { queue_state: "paused_rate_limit" }), false, "pending"],
  ["500", status(500), false, "pending"],
  ["503", status(503), false, "pending"],
  ["599", status(599), false, "pending"],
  ["410 (result expired)", status(410), false, "expired"],
  ["429", status(429), false, "rate_limited"],
  ["400", status(400), false, "final_status"],
  ["404", status(404), false, "final_status"],
  ["409", status(409), false, "final_status"],
  ["a connection error", { error: new APIConnectionError() }, false, "connection"],
  ["a per-poll timeout", { error: new APITimeoutError() }, false, "connection"],
  ["a TypeError", { error: new TypeError("boom") }, false, "unexpected"],
  ["try_again", { body: { type: "try_again", request_id: "r", queue_state: "active" } }, false, "pending"],
  ["a failed future", { body: { error: "bad datum", category: "user" } }, false, "failed"],
  ["a failed future without category", { body: { error: "oops" } }, false, "failed"],
  ["a result", { body: { metrics: { "loss:sum": 1 } } }, false, "result"],
  ["an empty result", { body: null }, false, "result"],
];

describe("classifyPollAnswer", () => {
  for (const [what, answer, aborted, kind] of TABLE) {
    it(`${what} → ${kind}`, () => {
      expect(classifyPollAnswer(answer, aborted).kind).toBe(kind);
    });
  }

  it("hands a 408's queue state to the observer, and a failed future's category typed", () => {
    const pending = classifyPollAnswer(status(408, { queue_state: "paused_capacity" }), false);
    expect(pending).toMatchObject({ kind: "pending", queueState: "paused_capacity" });
    const failed = classifyPollAnswer({ body: { error: "bad", category: "user" } }, false);
    expect(failed).toEqual({ kind: "failed", message: "bad", category: "user" });
    const unknown = classifyPollAnswer({ body: { error: "bad" } }, false);
    expect(unknown).toMatchObject({ kind: "failed", category: "unknown" });
  });

  it("logs as retried exactly the statuses it re-polls: 408, 5xx and (our deviation, docs/parity.md) 429", () => {
    const retried = [400, 404, 408, 409, 410, 429, 500, 502, 599].filter(pollStatusIsRetried);
    expect(retried).toEqual([408, 429, 500, 502, 599]);
  });
});
