/**
 * Every error tinker-ts throws, at the bottom of the layer table: any folder may import this file,
 * and it imports nothing of ours. Each class has a stable `code`, so callers can branch without
 * `instanceof` across copies of the package. Errors that belong to one feature (the CLI's, the
 * tokenizer's, metric reduction's, tinker paths') live with it but extend {@link TinkerError}.
 */

/** Who is to blame for a failed request (lowercase, as 0.4.1's StrEnum values). */
export type RequestErrorCategory = "unknown" | "server" | "user";

/** Base of every error thrown by tinker-ts; `code` is a stable string. */
export class TinkerError extends Error {
  readonly code: string;
  constructor(message: string, code = "TINKER_ERROR", options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Any failure talking to the API. */
export class APIError extends TinkerError {
  /** HTTP status when a response was received. */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed (or raw text) response body. */
  readonly body: unknown;
  /**
   * The `x-request-id` response header, when the server sent one. (`requestId` elsewhere, on
   * futures and their errors, is the server's future id.)
   */
  readonly xRequestId: string | undefined;
  /**
   * The headers of the request this answer belongs to (lower-case names, credentials shown as
   * `<redacted>`), when the transport got an answer; for post-mortems (0.25.0 telemetry).
   */
  readonly requestHeaders: Readonly<Record<string, string>> | undefined;
  constructor(
    message: string,
    init: {
      status?: number;
      headers?: Record<string, string>;
      body?: unknown;
      code?: string;
      cause?: unknown;
      requestHeaders?: Record<string, string>;
    } = {},
  ) {
    super(
      message,
      init.code ?? "TINKER_API_ERROR",
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.status = init.status;
    this.headers = init.headers ?? {};
    this.body = init.body;
    this.xRequestId = this.headers["x-request-id"];
    this.requestHeaders = init.requestHeaders;
  }
}

/** Non-2xx response. */
export class APIStatusError extends APIError {
  declare readonly status: number;
}
/** 400 */
export class BadRequestError extends APIStatusError {}
/** 401 */
export class AuthenticationError extends APIStatusError {}
/** 403 */
export class PermissionDeniedError extends APIStatusError {}
/** 404 */
export class NotFoundError extends APIStatusError {}
/** 409 */
export class ConflictError extends APIStatusError {}
/** 422 */
export class UnprocessableEntityError extends APIStatusError {}
/** 429 */
export class RateLimitError extends APIStatusError {}
/** >= 500 */
export class InternalServerError extends APIStatusError {}

/** Network failure (reset, refused, DNS...). */
export class APIConnectionError extends APIError {
  constructor(message = "Connection error.", cause?: unknown, code = "TINKER_CONNECTION") {
    super(message, { code, cause });
  }
}
/** Attempt exceeded its timeout. */
export class APITimeoutError extends APIConnectionError {
  constructor(message = "Request timed out.", cause?: unknown, code = "TINKER_TIMEOUT") {
    super(message, cause, code);
  }
}
/** Caller aborted via AbortSignal; never retried. */
export class APIUserAbortError extends APIError {
  /**
   * True when the abort came after the request was sent (or accepted): the server may have applied
   * it, so re-submitting could apply it twice. docs/reliability.md says how to resume safely.
   */
  readonly mayHaveBeenApplied: boolean;
  constructor(message = "Request was aborted.", options: { mayHaveBeenApplied?: boolean } = {}) {
    super(message, { code: "TINKER_ABORTED" });
    this.mayHaveBeenApplied = options.mayHaveBeenApplied ?? false;
  }
}
/** A future completed with a server-side failure (`{error, category}` from retrieve_future). */
export class RequestFailedError extends TinkerError {
  /** Who is to blame, as 0.4.1's `RequestErrorCategory`. */
  readonly category: RequestErrorCategory;
  /** The future's server id. */
  readonly requestId: string | undefined;
  constructor(message: string, category: RequestErrorCategory, requestId?: string) {
    super(message, "TINKER_REQUEST_FAILED");
    this.category = category;
    this.requestId = requestId;
  }
}

const STATUS_CLASSES: Record<number, [typeof APIStatusError, string]> = {
  400: [BadRequestError, "TINKER_BAD_REQUEST"],
  401: [AuthenticationError, "TINKER_AUTHENTICATION"],
  403: [PermissionDeniedError, "TINKER_PERMISSION_DENIED"],
  404: [NotFoundError, "TINKER_NOT_FOUND"],
  409: [ConflictError, "TINKER_CONFLICT"],
  422: [UnprocessableEntityError, "TINKER_UNPROCESSABLE"],
  429: [RateLimitError, "TINKER_RATE_LIMIT"],
};

/** Build the error class for an HTTP status; message is `${status} ${statusText}: ${detail}`. */
export function makeStatusError(
  status: number,
  statusText: string,
  headers: Record<string, string>,
  body: unknown,
  requestHeaders?: Record<string, string>,
): APIStatusError {
  const detail = describeBody(body);
  const message = `${status} ${statusText}${detail ? `: ${detail}` : ""}`;
  const entry = STATUS_CLASSES[status];
  if (entry) return new entry[0](message, { status, headers, body, code: entry[1], requestHeaders });
  if (status >= 500) {
    return new InternalServerError(message, {
      status,
      headers,
      body,
      code: "TINKER_INTERNAL_SERVER",
      requestHeaders,
    });
  }
  return new APIStatusError(message, { status, headers, body, code: "TINKER_API_STATUS", requestHeaders });
}

function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === "") return "";
  if (typeof body === "string") return body.slice(0, 500);
  if (typeof body === "object") {
    const o = body as Record<string, unknown>;
    for (const k of ["detail", "message", "error"]) {
      if (typeof o[k] === "string") return o[k] as string;
    }
  }
  return JSON.stringify(body).slice(0, 500);
}

/**
 * The server answered something tinker-ts cannot use: a 2xx whose body is not JSON (or not of a JSON
 * content type), or a result that does not have the shape of its response type (0.4.1 raises
 * `ValueError("Error retrieving result: ...")`). Never retried. Distinct from {@link ValidationError},
 * which is the caller's bad input caught before anything is sent.
 */
export class BadResponseError extends APIError {
  /** Dotted path of the field that failed, when a response failed its type check. */
  readonly field: string | undefined;
  constructor(
    message: string,
    init: {
      status?: number;
      headers?: Record<string, string>;
      body?: unknown;
      cause?: unknown;
      field?: string;
    } = {},
  ) {
    super(message, { ...init, code: "TINKER_BAD_RESPONSE" });
    this.field = init.field;
  }
}

/**
 * A poll of `/api/v1/retrieve_future` was answered with a final HTTP error other than 410 (a 404 for
 * an unknown future, a 400, …). As 0.4.1's `ValueError("Error retrieving result: …") from e`, it is
 * not an `APIStatusError` itself (telemetry reports no `status_code` for it); `cause` is the
 * `APIStatusError`, and a 4xx there makes it a user error.
 */
export class FutureRetrieveError extends TinkerError {
  /** The future's server id. */
  readonly requestId: string;
  constructor(requestId: string, requestType: string, cause: APIStatusError) {
    super(
      `Error retrieving result: ${cause.message} with status code ${cause.status} for request_id=${requestId} (${requestType})`,
      "TINKER_FUTURE_RETRIEVE",
      { cause },
    );
    this.requestId = requestId;
  }
}

/**
 * `APIFuture.result({ timeoutMs })` gave up waiting. Only the wait is abandoned: the future keeps
 * polling and a later `result()` / `await` still gets the value (like 0.4.1's sync `result(timeout)`).
 * Extends `APITimeoutError` so callers that already handle transport timeouts handle this too.
 */
export class FutureTimeoutError extends APITimeoutError {
  /** The wait that elapsed, in ms. */
  readonly timeoutMs: number;
  /** Server id of the awaited future, when known. */
  readonly requestId: string | undefined;
  constructor(timeoutMs: number, requestId: string | undefined) {
    super(
      `Timeout of ${timeoutMs} ms reached while waiting for result of request_id=${requestId ?? "<not submitted>"}`,
    );
    this.timeoutMs = timeoutMs;
    this.requestId = requestId;
  }
}

/**
 * The server answered a poll with HTTP 410: the promise expired or broke (0.4.1 raises its
 * `RetryableException`). Final for training futures; the sampling client re-submits the whole
 * sample when it sees `retryable === true`. `cause` is the 410 `APIStatusError`.
 */
export class FutureExpiredError extends TinkerError {
  /** Always true: the operation may be submitted again. */
  readonly retryable = true;
  /** The expired future's server id. */
  readonly requestId: string;
  constructor(requestId: string, cause: unknown) {
    super(`Promise expired/broken for request ${requestId}`, "TINKER_FUTURE_EXPIRED", { cause });
    this.requestId = requestId;
  }
}

/** Raised when user input cannot be encoded as a valid wire value; `field` names the offending field. */
export class ValidationError extends TinkerError {
  /** Dotted path of the field that failed, e.g. `loss_fn_inputs.weights.data[3]`. */
  readonly field: string;

  constructor(field: string, message: string, code = "TINKER_VALIDATION") {
    super(`${field}: ${message}`, code);
    this.field = field;
  }
}

/**
 * The abort error for a call whose request had already been sent (or accepted, `requestId` given):
 * `mayHaveBeenApplied` is true and the message says so, because re-submitting blindly could apply
 * a training step twice. How to resume safely: docs/reliability.md.
 */
export function abortedAfterSend(requestId?: string): APIUserAbortError {
  const what = requestId === undefined ? "after it was sent" : `after the server accepted it as ${requestId}`;
  return new APIUserAbortError(
    `Request was aborted ${what}; the server may have applied it. Check its effect (the training run's checkpoints, the model's state or the step's result) before sending it again.`,
    { mayHaveBeenApplied: true },
  );
}

/**
 * A response whose body (after decompression) is larger than the client's `maxResponseBytes`, or a
 * compressed body that expands past it (a "gzip bomb"). Never retried: the same server would send
 * the same answer.
 */
export class ResponseTooLargeError extends APIError {
  /** The limit that was passed, in bytes. */
  readonly limit: number;
  constructor(
    limit: number,
    detail: string,
    init: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(
      `Response body too large: ${detail} (limit ${limit} bytes; raise it with the maxResponseBytes option)`,
      { ...init, code: "TINKER_RESPONSE_TOO_LARGE" },
    );
    this.limit = limit;
  }
}

/** Why a checkpoint download failed; `code` tells the cases apart. */
export type CheckpointDownloadErrorCode =
  | "TINKER_DOWNLOAD_EXPIRED"
  | "TINKER_DOWNLOAD_HTTP"
  | "TINKER_DOWNLOAD_TOO_LARGE"
  | "TINKER_DOWNLOAD_BAD_ARCHIVE"
  | "TINKER_UNSAFE_ARCHIVE"
  | "TINKER_DOWNLOAD_IO";

/** A checkpoint download or extraction that failed; the message says what to do next. */
export class CheckpointDownloadError extends TinkerError {
  declare readonly code: CheckpointDownloadErrorCode;
  /** The archive entry at fault, for archive problems. */
  readonly entryPath: string | undefined;
  constructor(
    message: string,
    code: CheckpointDownloadErrorCode,
    options: { cause?: unknown; entryPath?: string } = {},
  ) {
    super(message, code, options.cause === undefined ? undefined : { cause: options.cause });
    this.entryPath = options.entryPath;
  }
}
