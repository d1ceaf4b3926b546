/**
 * RestClient: training runs and checkpoints, the 12 methods of 0.4.1 plus async iterators over
 * the paginated lists. Every call goes through the TRAIN pool; all but the archive URL use the
 * SDK-level retry, as 0.4.1.
 */
import { ValidationError } from "../errors/index.js";
import {
  type DownloadCheckpointOptions,
  type DownloadCheckpointResult,
  downloadCheckpoint,
} from "./download.js";
import { runCall } from "../core/call-scope.js";
import { APIStatusError, ConflictError } from "../errors/index.js";
import type { RequestOptions } from "../core/transport.js";
import { joinSignals, type RequestCallOptions, untilAborted, withCallOptions } from "../core/deadline.js";
import { pathSegment, pathSegments } from "../lib/path-segment.js";
import { RESPONSES } from "../types/parse.js";
import type {
  Checkpoint,
  CheckpointArchiveUrlResponse,
  CheckpointsListResponse,
  TrainingRun,
  TrainingRunsResponse,
} from "../types/responses.js";
import { executeWithRetries } from "./retry.js";
import type { SessionHolder } from "./session-holder.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import { type WhoamiResponse, whoami } from "./whoami.js";

/** Offset/limit page request. */
export interface PageOptions {
  limit?: number;
  offset?: number;
}

/** 0.4.1 sends a JSON content-type on its bodyless publish/unpublish/delete requests. */
const BODYLESS_HEADERS = { "content-type": "application/json" };

/** Archive URLs without an `Expires` header are valid for this long (0.4.1). */
const DEFAULT_ARCHIVE_URL_TTL_MS = 15 * 60_000;

/** REST operations on training runs and checkpoints. Get one from `ServiceClient.createRestClient()`. */
export class RestClient {
  readonly #holder: SessionHolder;

  /** Use `ServiceClient.createRestClient()`. @internal */
  constructor(holder: SessionHolder) {
    this.#holder = holder;
    holder.announce({ client: "RestClient" });
  }

  /** One REST call with SDK-level retries; the answer is checked by `parse`. */
  async #call<T>(
    opts: Omit<RequestOptions, "pool">,
    parse: (body: unknown) => T,
    options: RequestCallOptions | undefined,
  ): Promise<T> {
    // Not wrapped in the fatal telemetry capture: 0.4.1's sync REST methods return a future, so
    // only argument errors raised before it (e.g. a bad tinker path) are logged as fatal.
    const h = this.#holder;
    const name = `RestClient ${opts.method} ${opts.path}`;
    return runCall(`RestClient ${opts.method}`, () =>
      withCallOptions(name, options, h.callDefaults, h.deps, (callSignal) => {
        const signal = joinSignals(callSignal, h.operationSignal());
        // 0.25.0 builds the session-less holder first (its handshake); 0.4.1 has none (no I/O).
        const handshake = h.restHandshake.pending();
        const send = async () =>
          parse((await h.transport.request({ ...opts, pool: "train", holder: "rest", signal })).body);
        const run = () =>
          executeWithRetries(send, {
            deps: h.deps,
            telemetry: h.restTelemetry,
            logger: h.logger,
            signal,
            name: "rest",
            billing: h.billingFor("rest"),
          });
        return handshake ? untilAborted(handshake, signal).then(run) : run();
      }),
    );
  }

  /** GET /api/v1/training_runs/{id}. */
  getTrainingRun(trainingRunId: string, options?: RequestCallOptions): Promise<TrainingRun> {
    return this.#call(
      { method: "GET", path: `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}` },
      RESPONSES.trainingRun,
      options,
    );
  }

  /** The training run of a `tinker://RUN/...` checkpoint path (parsed before any request). */
  async getTrainingRunByTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<TrainingRun> {
    const parsed = this.#parse(tinkerPath);
    return this.getTrainingRun(parsed.trainingRunId, options);
  }

  /** One page of training runs (limit 20, offset 0 by default; both always sent). */
  listTrainingRuns(page: PageOptions = {}, options?: RequestCallOptions): Promise<TrainingRunsResponse> {
    return this.#call(
      { method: "GET", path: "/api/v1/training_runs", query: pageQuery(page, 20) },
      RESPONSES.trainingRuns,
      options,
    );
  }

  /** Checkpoints of one training run. */
  listCheckpoints(trainingRunId: string, options?: RequestCallOptions): Promise<CheckpointsListResponse> {
    return this.#call(
      {
        method: "GET",
        path: `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}/checkpoints`,
      },
      RESPONSES.checkpoints,
      options,
    );
  }

  /** One page of the user's checkpoints across runs, newest first (limit 100, offset 0 by default). */
  listUserCheckpoints(
    page: PageOptions = {},
    options?: RequestCallOptions,
  ): Promise<CheckpointsListResponse> {
    return this.#call(
      { method: "GET", path: "/api/v1/checkpoints", query: pageQuery(page, 100) },
      RESPONSES.checkpoints,
      options,
    );
  }

  /**
   * Signed download URL of a checkpoint archive. The server answers 302; its `Location` is the
   * URL and `Expires` the expiry (now + 15 min when absent). Redirects are not followed and there
   * is no SDK-level retry (0.4.1). Unlike 0.4.1, which raises TypeError on the 302, this returns it.
   */
  async getCheckpointArchiveUrl(
    trainingRunId: string,
    checkpointId: string,
    options?: RequestCallOptions,
  ): Promise<CheckpointArchiveUrlResponse> {
    const h = this.#holder;
    const path = `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}/checkpoints/${pathSegments(checkpointId, "checkpoint_id")}/archive`;
    try {
      return await withCallOptions(`RestClient GET ${path}`, options, h.callDefaults, h.deps, async (s) => {
        const res = await h.transport.request({
          method: "GET",
          path,
          pool: "train",
          holder: "rest",
          headers: { accept: ["application/json", "application/gzip"] },
          followRedirects: false,
          signal: joinSignals(s, h.operationSignal()),
        });
        return RESPONSES.checkpointArchiveUrl(res.body);
      });
    } catch (error) {
      if (error instanceof APIStatusError && error.status === 302 && error.headers.location) {
        const expires = error.headers.expires ? Date.parse(error.headers.expires) : Number.NaN;
        const when = Number.isNaN(expires) ? h.deps.now() + DEFAULT_ARCHIVE_URL_TTL_MS : expires;
        return { url: error.headers.location, expires: new Date(when).toISOString() };
      }
      throw error;
    }
  }

  /**
   * Downloads a checkpoint's archive and extracts it safely into `options.outputDir`, with a
   * progress callback; see {@link downloadCheckpoint} for the checks it makes.
   */
  downloadCheckpoint(
    tinkerPath: string,
    options?: DownloadCheckpointOptions,
  ): Promise<DownloadCheckpointResult> {
    return downloadCheckpoint(this, tinkerPath, options);
  }

  /** {@link getCheckpointArchiveUrl} for a `tinker://` path. */
  async getCheckpointArchiveUrlFromTinkerPath(
    tinkerPath: string,
    options?: RequestCallOptions,
  ): Promise<CheckpointArchiveUrlResponse> {
    const p = this.#parse(tinkerPath);
    return this.getCheckpointArchiveUrl(p.trainingRunId, p.checkpointId, options);
  }

  /** DELETE a checkpoint. */
  async deleteCheckpoint(
    trainingRunId: string,
    checkpointId: string,
    options?: RequestCallOptions,
  ): Promise<void> {
    await this.#call(
      {
        method: "DELETE",
        path: `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}/checkpoints/${pathSegments(checkpointId, "checkpoint_id")}`,
        headers: BODYLESS_HEADERS,
      },
      ignoreBody,
      options,
    );
  }

  /** DELETE the checkpoint of a `tinker://` path. */
  async deleteCheckpointFromTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<void> {
    const p = this.#parse(tinkerPath);
    await this.deleteCheckpoint(p.trainingRunId, p.checkpointId, options);
  }

  /**
   * Make a checkpoint public. Deviation from 0.4.1: a 409 ("already public") fails at once with
   * ConflictError instead of being retried for ~5 minutes.
   */
  async publishCheckpointFromTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<void> {
    const p = this.#parse(tinkerPath);
    await this.#publish("POST", p.trainingRunId, p.checkpointId, options);
  }

  /** Make a checkpoint private again (409 "already private" fails at once, see publish). */
  async unpublishCheckpointFromTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<void> {
    const p = this.#parse(tinkerPath);
    await this.#publish("DELETE", p.trainingRunId, p.checkpointId, options);
  }

  async #publish(
    method: "POST" | "DELETE",
    run: string,
    checkpointId: string,
    options: RequestCallOptions | undefined,
  ): Promise<void> {
    const h = this.#holder;
    const path = `/api/v1/training_runs/${pathSegment(run, "training_run_id")}/checkpoints/${pathSegments(checkpointId, "checkpoint_id")}/publish`;
    const publishOnce = () =>
      withCallOptions(`RestClient ${method} ${path}`, options, h.callDefaults, h.deps, (s) => {
        const signal = joinSignals(s, h.operationSignal());
        return executeWithRetries(
          () =>
            h.transport.request({
              method,
              path,
              pool: "train",
              holder: "rest",
              signal,
              headers: BODYLESS_HEADERS,
              // The HTTP layer would retry 409; the retrying is done here instead so 409 can be final.
              maxRetries: 0,
            }),
          {
            deps: h.deps,
            telemetry: h.restTelemetry,
            logger: h.logger,
            signal,
            name: "publish",
            retryable: (e) => !(e instanceof ConflictError),
          },
        );
      });
    await runCall(`RestClient ${method}`, publishOnce);
  }

  /** Every training run, page by page (`pageSize` default 20). */
  async *iterateTrainingRuns(pageSize = 20, options?: RequestCallOptions): AsyncGenerator<TrainingRun> {
    for (let offset = 0; ; ) {
      const page = await this.listTrainingRuns({ limit: pageSize, offset }, options);
      yield* page.training_runs;
      offset += page.training_runs.length;
      if (page.training_runs.length === 0 || offset >= page.cursor.total_count) return;
    }
  }

  /** Every checkpoint of the user, page by page (`pageSize` default 100). */
  async *iterateUserCheckpoints(pageSize = 100, options?: RequestCallOptions): AsyncGenerator<Checkpoint> {
    for (let offset = 0; ; ) {
      const page = await this.listUserCheckpoints({ limit: pageSize, offset }, options);
      yield* page.checkpoints;
      offset += page.checkpoints.length;
      const total = page.cursor?.total_count;
      if (page.checkpoints.length === 0 || total === undefined || offset >= total) return;
    }
  }

  #parse(tinkerPath: string) {
    try {
      return parseTinkerPath(tinkerPath);
    } catch (error) {
      this.#holder.reportFatal(error);
      throw error;
    }
  }

  /**
   * The calling principal (0.25.0): its user URN and, for a user, its email, read from the JWT the
   * SDK holds from the auth exchange, so no request is sent for it. Rejects with an `AuthError`
   * (`jwt_auth_disabled`) when there is no JWT (JWT auth off and a plain `tml-` key).
   */
  whoami(options?: RequestCallOptions): Promise<WhoamiResponse> {
    return whoami(this.#holder, options);
  }
}

/** Delete answers 204; whatever it carries is not read. */
function ignoreBody(): void {}

/** `limit` and `offset` as sent (both always), checked before anything is sent. */
function pageQuery(page: PageOptions, defaultLimit: number): { limit: number; offset: number } {
  const query = { limit: page.limit ?? defaultLimit, offset: page.offset ?? 0 };
  for (const [k, v] of Object.entries(query)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ValidationError(k, `must be a non-negative integer, got ${String(v)}`);
    }
  }
  return query;
}
