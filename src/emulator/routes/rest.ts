/**
 * REST routes: training runs, checkpoints (list, delete, publish), archive URLs and downloads.
 */
import { existsSync } from "node:fs";
import { httpDate, tarDirectory } from "../archive.js";
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import type { CheckpointKind } from "../store.js";
import type { EmulatorState } from "./context.js";

function page(query: URLSearchParams, defaultLimit: number): { limit: number; offset: number } {
  const num = (key: string, dflt: number) => {
    const raw = query.get(key);
    if (raw === null) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(422, `${key}: expected a non-negative integer`);
    return n;
  };
  return { limit: num("limit", defaultLimit), offset: num("offset", 0) };
}

function kindOf(kind: string): CheckpointKind {
  if (kind !== "weights" && kind !== "sampler_weights")
    throw new HttpError(404, `Unknown checkpoint kind ${kind}`);
  return kind;
}

/** Registers the REST routes. */
export function restRoutes(router: Router, state: EmulatorState): void {
  const { store } = state;
  const ckpt = "/api/v1/training_runs/:run/checkpoints/:kind/:name";

  router.add("GET", "/api/v1/training_runs", ({ query }) => {
    const { limit, offset } = page(query, 20);
    const runs = [...store.models.values()];
    return {
      status: 200,
      body: {
        training_runs: runs.slice(offset, offset + limit).map((r) => store.trainingRun(r)),
        cursor: { offset, limit, total_count: runs.length },
      },
    };
  });

  router.add("GET", "/api/v1/training_runs/:run", ({ params }) => ({
    status: 200,
    body: store.trainingRun(store.run(params.run as string)),
  }));

  router.add("GET", "/api/v1/training_runs/:run/checkpoints", ({ params }) => ({
    status: 200,
    body: { checkpoints: [...store.run(params.run as string).checkpoints.values()] },
  }));

  router.add("GET", "/api/v1/checkpoints", ({ query }) => {
    const { limit, offset } = page(query, 100);
    const all = store.allCheckpoints();
    return {
      status: 200,
      body: {
        checkpoints: all.slice(offset, offset + limit),
        cursor: { offset, limit, total_count: all.length },
      },
    };
  });

  router.add("DELETE", ckpt, ({ params }) => {
    const id = `${kindOf(params.kind as string)}/${params.name}`;
    store.deleteCheckpoint(params.run as string, id);
    return { status: 204 };
  });

  for (const [method, makePublic] of [
    ["POST", true],
    ["DELETE", false],
  ] as const) {
    router.add(method, `${ckpt}/publish`, ({ params }) => {
      const c = store.checkpoint(params.run as string, `${kindOf(params.kind as string)}/${params.name}`);
      // The service documents 409 for publishing a public (or unpublishing a private) checkpoint.
      if (c.public === makePublic) {
        throw new HttpError(
          409,
          `Checkpoint ${c.checkpoint_id} is already ${makePublic ? "public" : "private"}`,
        );
      }
      c.public = makePublic;
      return { status: 204 };
    });
  }

  router.add("GET", `${ckpt}/archive`, ({ params }) => {
    const kind = kindOf(params.kind as string);
    store.checkpoint(params.run as string, `${kind}/${params.name}`);
    const { token, expiresAt } = state.archives.issue({
      dir: store.checkpointDir(params.run as string, kind, params.name as string),
      runId: params.run as string,
      checkpointId: `${kind}/${params.name}`,
    });
    return {
      status: 302,
      headers: { location: `${state.baseUrl()}/archives/${token}.tar`, expires: httpDate(expiresAt) },
    };
  });

  // The download URL stands in for a signed storage URL, so it needs no API key.
  router.add("GET", "/archives/:file", async ({ params, res }) => {
    const token = (params.file as string).replace(/\.tar$/, "");
    const ticket = state.archives.redeem(token);
    if (ticket === null) throw new HttpError(404, "archive link unknown or expired");
    // The checkpoint may have been deleted since the link was issued: a 404 in the API's words,
    // never a file-system error naming the data directory.
    const run = store.models.get(ticket.runId);
    if (!run?.checkpoints.has(ticket.checkpointId) || !existsSync(ticket.dir)) {
      throw new HttpError(404, `Checkpoint ${ticket.checkpointId} no longer exists`);
    }
    const tar = await tarDirectory(ticket.dir);
    if (!res.headersSent) {
      res.writeHead(200, { "content-type": "application/x-tar", "content-length": String(tar.length) });
      res.end(tar);
    }
    return { raw: true };
  });
}
