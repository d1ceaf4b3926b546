/**
 * The two checkpoint calls of RestClient that do not fit its one-call pattern: the archive URL
 * (a 302 read from its headers, no SDK-level retry) and publish/unpublish (409 is final).
 */
import { runCall } from "../core/call-scope.js";
import { joinSignals, type RequestCallOptions, withCallOptions } from "../core/deadline.js";
import { APIStatusError, ConflictError } from "../errors/index.js";
import { pathSegment, pathSegments } from "../lib/path-segment.js";
import { RESPONSES } from "../types/parse.js";
import type { CheckpointArchiveUrlResponse } from "../types/responses.js";
import { executeWithRetries } from "./retry.js";
import type { SessionHolder } from "./session-holder.js";

/** 0.4.1 sends a JSON content-type on its bodyless publish/unpublish/delete requests. */
export const BODYLESS_HEADERS = { "content-type": "application/json" };

/** Archive URLs without an `Expires` header are valid for this long (0.4.1). */
const DEFAULT_ARCHIVE_URL_TTL_MS = 15 * 60_000;

/** GET …/archive: the 302's `Location` and `Expires` (see `RestClient.getCheckpointArchiveUrl`). */
export async function archiveUrl(
  h: SessionHolder,
  trainingRunId: string,
  checkpointId: string,
  options: RequestCallOptions | undefined,
): Promise<CheckpointArchiveUrlResponse> {
  const path = `/api/v1/training_runs/${pathSegment(trainingRunId, "training_run_id")}/checkpoints/${pathSegments(checkpointId, "checkpoint_id")}/archive`;
  try {
    return await withCallOptions(`RestClient GET ${path}`, options, h.callDefaults, h.deps, async (s) => {
      const res = await h.transport.request({
        method: "GET",
        path,
        pool: "train",
        holder: "rest",
        headers: { accept: [...h.generation.rest.archiveAccept] },
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

/** POST (publish) or DELETE (unpublish) …/publish; a 409 fails at once. */
export async function publish(
  h: SessionHolder,
  method: "POST" | "DELETE",
  run: string,
  checkpointId: string,
  options: RequestCallOptions | undefined,
): Promise<void> {
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
          billing: h.billingFor("rest", "rest"),
          retryable: (e) => !(e instanceof ConflictError),
        },
      );
    });
  await runCall(`RestClient ${method}`, publishOnce);
}
