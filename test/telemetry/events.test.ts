/** How events are built, checked against what 0.4.1's telemetry.py does. */
import { FutureExpiredError } from "../../src/errors/index.js";
import { describe, expect, it } from "vitest";
import {
  APIConnectionError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
  RequestFailedError,
} from "../../src/errors/index.js";
import { exceptionEvent } from "../../src/telemetry/events.js";
import { findUserError, isUserError } from "../../src/errors/classify.js";
import { formatTimedelta } from "../../src/telemetry/index.js";

const status = (Cls: typeof BadRequestError, code: number, body?: unknown) =>
  new Cls(`Error code: ${code}`, { status: code, body });

describe("formatTimedelta (Python str(timedelta))", () => {
  it.each([
    [0, "0:00:00"],
    [1_500, "0:00:01.500000"],
    [1.2345678, "0:00:00.001235"],
    [3_723_000, "1:02:03"],
    [86_400_000 + 3_600_000, "1 day, 1:00:00"],
    [2 * 86_400_000 + 61_000, "2 days, 0:01:01"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatTimedelta(ms)).toBe(text);
  });
});

describe("isUserError (0.4.1 _get_user_error)", () => {
  it("4xx except 408 are user errors; 429 is one too (as in 0.4.1)", () => {
    expect(isUserError(status(BadRequestError, 400))).toBe(true);
    expect(isUserError(status(RateLimitError, 429))).toBe(true);
    expect(isUserError(status(BadRequestError, 408))).toBe(false);
    expect(isUserError(status(InternalServerError, 500))).toBe(false);
    expect(isUserError(new APIConnectionError("down"))).toBe(false);
  });

  it("a failed future counts only when its category is user", () => {
    expect(isUserError(new RequestFailedError("x", "user", "req-1"))).toBe(true);
    expect(isUserError(new RequestFailedError("x", "server", "req-1"))).toBe(false);
    expect(isUserError(new RequestFailedError("x", "unknown", "req-1"))).toBe(false);
  });

  it("follows the cause chain and stops on cycles", () => {
    const gone = status(BadRequestError, 410, { detail: "promise expired" });
    const expired = new FutureExpiredError("req-6", gone);
    expect(findUserError(expired)).toBe(gone);
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(findUserError(a)).toBeUndefined();
  });
});

describe("exceptionEvent", () => {
  const stamp = { index: 3, nowMs: 0 };

  it("a user error becomes a WARNING user_error event with status_code and body", () => {
    const e = exceptionEvent(stamp, status(BadRequestError, 400, { detail: "bad" }), "ERROR");
    expect(e).toMatchObject({
      event: "GENERIC_EVENT",
      event_name: "user_error",
      severity: "WARNING",
      event_session_index: 3,
      event_data: {
        error_type: "BadRequestError",
        message: "Error code: 400",
        status_code: 400,
        body: { detail: "bad" },
      },
    });
  });

  it("an empty body is left out, as Python's truthiness test does", () => {
    const e = exceptionEvent(stamp, status(BadRequestError, 400, {}), "ERROR");
    expect(e).toMatchObject({ event_data: { status_code: 400 } });
    expect((e as { event_data: Record<string, unknown> }).event_data).not.toHaveProperty("body");
  });

  it("anything else is UNHANDLED_EXCEPTION at the given severity", () => {
    const e = exceptionEvent(stamp, new TypeError("nope"), "CRITICAL");
    expect(e).toMatchObject({
      event: "UNHANDLED_EXCEPTION",
      severity: "CRITICAL",
      error_type: "TypeError",
      error_message: "nope",
    });
    expect(exceptionEvent(stamp, "a string", "ERROR")).toMatchObject({ error_message: "a string" });
  });
});
