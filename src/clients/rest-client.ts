/**
 * RestClient: training runs and checkpoints, the 12 methods of 0.4.1, the ones 0.25.0 added
 * (weights info, TTL, sessions, sampler, project, audit log, billing usage, trace export; their
 * requests are built in rest-requests.ts) and async iterators over the paginated lists. Every
 * call goes through the TRAIN pool; all but the archive URL use the SDK-level retry.
 */
import {
  type DownloadCheckpointOptions,
  type DownloadCheckpointResult,
  downloadCheckpoint,
} from "./download.js";
import { runCall } from "../core/call-scope.js";
import { joinSignals, type RequestCallOptions, untilAborted, withCallOptions } from "../core/deadline.js";
import { pathSegment, pathSegments } from "../lib/path-segment.js";
import { RESPONSES } from "../types/parse.js";
import type {
  Checkpoint,
  CheckpointArchiveUrlResponse,
  CheckpointsListResponse,
  GetSamplerResponse,
  TrainingRun,
  TrainingRunsResponse,
} from "../types/responses.js";
import type {
  AuditLogResponse,
  BillingUsageResponse,
  GetSessionResponse,
  ListSessionsResponse,
  WeightsInfoResponse,
} from "../types/rest-responses.js";
import { executeWithRetries } from "./retry.js";
import { archiveUrl, BODYLESS_HEADERS, publish } from "./rest-checkpoints.js";
import type { SessionHolder } from "./session-holder.js";
import { settleLimited } from "../lib/settle-limited.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import { type WhoamiResponse, whoami } from "./whoami.js";
import {
  type AccessScopeOptions,
  type AuditLogOptions,
  accessScope,
  assignProjectRequest,
  auditLogRequest,
  billingUsageRequest,
  checkpointTtlRequest,
  getSamplerRequest,
  getSessionRequest,
  type ListSessionsOptions,
  type ListTrainingRunsOptions,
  listSessionsRequest,
  listTrainingRunsRequest,
  type PageOptions,
  pageQuery,
  type RestRequest,
  traceExportRequest,
  weightsInfoRequest,
} from "./rest-requests.js";
import { type TraceExportWaitOptions, waitForTraceExport } from "./rest-trace.js";

export type {
  AccessScopeOptions,
  AuditLogOptions,
  ListSessionsOptions,
  ListTrainingRunsOptions,
  PageOptions,
};
export type { TraceExportWaitOptions };

/** Options of `exportSessionTrace`: the per-call options and how long to wait. */
export type ExportSessionTraceOptions = RequestCallOptions & TraceExportWaitOptions;

/** One path's outcome in `deleteCheckpointsFromTinkerPaths`. */
export interface CheckpointDeletion {
  tinker_path: string;
  /** Why it failed; absent when deleted. */
  error?: Error;
}

/** REST operations on training runs and checkpoints. Get one from `ServiceClient.createRestClient()`. */
export class RestClient {
  readonly #holder: SessionHolder;

  /** The REST client of `holder` (package-internal; use `ServiceClient.createRestClient()`). @internal */
  static of(holder: SessionHolder): RestClient {
    return new RestClient(holder);
  }

  // Private, so the published types offer no constructor: `new RestClient()` does not compile.
  private constructor(holder: SessionHolder) {
    this.#holder = holder;
    holder.announce({ client: "RestClient" });
  }

  /** The generation's default `access_scope` (none in 0.4.1). */
  get #scope() {
    return this.#holder.generation.rest.defaultAccessScope;
  }

  /** One REST call with SDK-level retries; the answer is checked by `parse`. */
  async #call<T>(
    opts: RestRequest,
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
            billing: h.billingFor("rest", "rest"),
          });
        return handshake ? untilAborted(handshake, signal).then(run) : run();
      }),
    );
  }

  /** GET /api/v1/training_runs/{id} (with `access_scope`, default `owned` under 0.25.0). */
  async getTrainingRun(
    trainingRunId: string,
    scope: AccessScopeOptions = {},
    options?: RequestCallOptions,
  ): Promise<TrainingRun> {
    return this.#call(
      {
        method: "GET",
        path: `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}`,
        query: { access_scope: accessScope(scope, this.#scope) },
      },
      RESPONSES.trainingRun,
      options,
    );
  }

  /** The training run of a `tinker://RUN/...` checkpoint path (parsed before any request). */
  async getTrainingRunByTinkerPath(
    tinkerPath: string,
    scope: AccessScopeOptions = {},
    options?: RequestCallOptions,
  ): Promise<TrainingRun> {
    const parsed = this.#parse(tinkerPath);
    return this.getTrainingRun(parsed.trainingRunId, scope, options);
  }

  /**
   * One page of training runs: limit 20 and offset 0 by default (both always sent), `accessScope`
   * (0.25.0 sends `owned` by default) and `projectId` (sent only when given).
   */
  async listTrainingRuns(
    page: ListTrainingRunsOptions = {},
    options?: RequestCallOptions,
  ): Promise<TrainingRunsResponse> {
    return this.#call(listTrainingRunsRequest(page, this.#scope), RESPONSES.trainingRuns, options);
  }

  /** LoRA settings and base model of a checkpoint (POST /api/v1/weights_info). */
  async getWeightsInfoByTinkerPath(
    tinkerPath: string,
    options?: RequestCallOptions,
  ): Promise<WeightsInfoResponse> {
    return this.#call(weightsInfoRequest(tinkerPath), RESPONSES.weightsInfo, options);
  }

  /**
   * Sets a checkpoint's time-to-live, `ttlSeconds` from now (a positive integer), or removes its
   * expiry with `null` (PUT …/ttl).
   */
  async setCheckpointTtlFromTinkerPath(
    tinkerPath: string,
    ttlSeconds: number | null,
    options?: RequestCallOptions,
  ): Promise<void> {
    const p = this.#parse(tinkerPath);
    await this.#call(checkpointTtlRequest(p.trainingRunId, p.checkpointId, ttlSeconds), ignoreBody, options);
  }

  /** One page of session ids (limit 20, offset 0; `access_scope` as for training runs). */
  async listSessions(
    page: ListSessionsOptions = {},
    options?: RequestCallOptions,
  ): Promise<ListSessionsResponse> {
    return this.#call(listSessionsRequest(page, this.#scope), RESPONSES.listSessions, options);
  }

  /** The training runs and samplers of a session. */
  async getSession(
    sessionId: string,
    scope: AccessScopeOptions = {},
    options?: RequestCallOptions,
  ): Promise<GetSessionResponse> {
    return this.#call(getSessionRequest(sessionId, scope, this.#scope), RESPONSES.getSession, options);
  }

  /** A sampler's base model and weights (GET /api/v1/samplers/{id}). */
  async getSampler(samplerId: string, options?: RequestCallOptions): Promise<GetSamplerResponse> {
    return this.#call(getSamplerRequest(samplerId), RESPONSES.getSampler, options);
  }

  /** Moves a session (and its runs) to another project. */
  async assignSessionProject(
    sessionId: string,
    projectId: string,
    options?: RequestCallOptions,
  ): Promise<void> {
    await this.#call(assignProjectRequest(sessionId, projectId), ignoreBody, options);
  }

  /** The organization's audit log of one UTC day (today by default; needs the admin role). */
  async getAuditLog(filter: AuditLogOptions = {}, options?: RequestCallOptions): Promise<AuditLogResponse> {
    return this.#call(auditLogRequest(filter), RESPONSES.auditLog, options);
  }

  /**
   * Hourly billing usage in `[startingOn, endingBefore)` (RFC 3339 strings or Dates, on UTC hour
   * boundaries, at most 14 days apart; the server checks those rules).
   */
  async getBillingUsage(
    startingOn: Date | string,
    endingBefore: Date | string,
    options?: RequestCallOptions,
  ): Promise<BillingUsageResponse> {
    return this.#call(billingUsageRequest(startingOn, endingBefore), RESPONSES.billingUsage, options);
  }

  /**
   * Builds a Perfetto trace of a session on the server and resolves to its signed download URL.
   * Polls every 5 s while the export is pending (logging once that it waits), within the call's
   * `timeout` and at most `maxWaitMs` (30 min); a failed export rejects with TinkerError.
   */
  async exportSessionTrace(sessionId: string, options?: ExportSessionTraceOptions): Promise<string> {
    const h = this.#holder;
    const req = traceExportRequest(sessionId);
    const { pollIntervalMs, maxWaitMs, ...call } = options ?? {};
    return withCallOptions(`RestClient.exportSessionTrace ${sessionId}`, call, h.callDefaults, h.deps, (s) =>
      waitForTraceExport(
        sessionId,
        () => this.#call(req, RESPONSES.traceExport, undefined),
        h.deps,
        (m) => h.logger.warn(m),
        { pollIntervalMs, maxWaitMs },
        joinSignals(s, h.operationSignal()),
      ),
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
    return archiveUrl(this.#holder, trainingRunId, checkpointId, options);
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
   * Deletes several checkpoints, at most 32 at a time (as the 0.25.0 CLI). Every path is parsed
   * before anything is sent; each path's failure is reported, not thrown.
   */
  async deleteCheckpointsFromTinkerPaths(
    tinkerPaths: readonly string[],
    options?: RequestCallOptions,
  ): Promise<CheckpointDeletion[]> {
    const parsed = tinkerPaths.map((p) => this.#parse(p));
    const errors = await settleLimited(parsed, 32, (p) =>
      this.deleteCheckpoint(p.trainingRunId, p.checkpointId, options),
    );
    return tinkerPaths.map((tinker_path, i) => {
      const error = errors[i];
      return error ? { tinker_path, error } : { tinker_path };
    });
  }

  /**
   * Make a checkpoint public. Deviation from 0.4.1: a 409 ("already public") fails at once with
   * ConflictError instead of being retried for ~5 minutes.
   */
  async publishCheckpointFromTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<void> {
    const p = this.#parse(tinkerPath);
    await publish(this.#holder, "POST", p.trainingRunId, p.checkpointId, options);
  }

  /** Make a checkpoint private again (409 "already private" fails at once, see publish). */
  async unpublishCheckpointFromTinkerPath(tinkerPath: string, options?: RequestCallOptions): Promise<void> {
    const p = this.#parse(tinkerPath);
    await publish(this.#holder, "DELETE", p.trainingRunId, p.checkpointId, options);
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
      this.#holder.reportFatal(error, this.#holder.restTelemetry);
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

/** Delete, TTL and project answer 204; whatever they carry is not read. */
function ignoreBody(): void {}
