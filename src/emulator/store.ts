/**
 * The emulator's state: sessions, models (training runs), sampling sessions and checkpoints.
 * Checkpoints live on disk under the data directory: `<dataDir>/runs/<run>/<kind>/<name>/`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineFactory, EngineLoraSpec, EngineSampler, EngineTrainableModel } from "./engine.js";
import { HttpError } from "./http-util.js";

/** Checkpoint kinds as they appear in ids and `tinker://` paths. */
export type CheckpointKind = "weights" | "sampler_weights";

/** A checkpoint's wire shape (`Checkpoint`). */
export interface CheckpointRecord {
  checkpoint_id: string;
  checkpoint_type: "training" | "sampler";
  time: string;
  tinker_path: string;
  size_bytes: number;
  public: boolean;
  /** When the checkpoint expires (`ttl_seconds` on save, or PUT …/ttl); absent or null: never. */
  expires_at?: string | null;
}

/** A model created by `create_model`; its id doubles as its training run id. */
export interface ModelRecord {
  readonly modelId: string;
  readonly sessionId: string;
  readonly baseModel: string;
  readonly lora: EngineLoraSpec;
  readonly model: EngineTrainableModel;
  readonly userMetadata: Record<string, string> | null;
  lastRequestTime: string;
  unloaded: boolean;
  /** Checkpoints in creation order, keyed by checkpoint id (`weights/name`). */
  readonly checkpoints: Map<string, CheckpointRecord>;
}

/** A session from `create_session`. */
export interface SessionRecord {
  readonly sessionId: string;
  readonly tags: readonly string[];
  readonly userMetadata: Record<string, unknown>;
  heartbeats: number;
}

/** A sampling session: a frozen sampler. */
export interface SamplingRecord {
  readonly samplingSessionId: string;
  readonly baseModel: string;
  readonly modelPath: string | null;
  readonly sampler: EngineSampler;
}

/** A parsed `tinker://<run>/<kind>/<name>` path. */
export interface ParsedTinkerPath {
  readonly runId: string;
  readonly kind: CheckpointKind;
  readonly name: string;
}

/** Parses a `tinker://` checkpoint path, or answers 400 naming the field. */
export function parseCheckpointPath(path: string, field: string): ParsedTinkerPath {
  const m = /^tinker:\/\/([^/]+)\/(weights|sampler_weights)\/([^/]+)$/.exec(path);
  if (!m) throw new HttpError(400, `${field}: invalid tinker path ${JSON.stringify(path)}`);
  return { runId: m[1] as string, kind: m[2] as CheckpointKind, name: m[3] as string };
}

const NAME_RE = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * Answers 400 unless `name` can be a checkpoint name: letters, digits, `.`, `_`, `-`, and not `.` or
 * `..` (which would collide with the directory itself or its parent).
 */
export function checkCheckpointName(name: string, field = "path"): void {
  if (!NAME_RE.test(name) || name === "." || name === "..") {
    throw new HttpError(
      400,
      `${field}: invalid checkpoint name ${JSON.stringify(name.slice(0, 300))} (use letters, digits, '.', '_' and '-'; not '.' or '..')`,
    );
  }
}

/** All emulator state. */
export class Store {
  readonly sessions = new Map<string, SessionRecord>();
  readonly models = new Map<string, ModelRecord>();
  readonly sampling = new Map<string, SamplingRecord>();
  private counters = { session: 0, model: 0, sampling: 0, ckpt: 0 };
  private staged = 0;

  constructor(
    readonly engine: EngineFactory,
    readonly dataDir: string,
    private readonly now: () => number,
  ) {}

  /** The current time as the service writes it (ISO 8601, `Z`). */
  isoNow(): string {
    return new Date(this.now()).toISOString().replace(/\.\d+Z$/, "Z");
  }

  /** Creates a session. */
  createSession(tags: readonly string[], userMetadata: Record<string, unknown>): SessionRecord {
    this.counters.session += 1;
    const s: SessionRecord = {
      sessionId: `sess-${this.counters.session}`,
      tags,
      userMetadata,
      heartbeats: 0,
    };
    this.sessions.set(s.sessionId, s);
    return s;
  }

  /** A session, or 404. */
  session(id: string): SessionRecord {
    const s = this.sessions.get(id);
    if (!s) throw new HttpError(404, `Session ${id} not found`);
    return s;
  }

  /** Creates a model (and its training run). */
  createModel(
    sessionId: string,
    baseModel: string,
    lora: EngineLoraSpec,
    userMetadata: Record<string, string> | null,
    /** The id the client derives (0.25.0 create-via-load: `<session>:train:<model_seq_id>`). */
    modelId?: string,
  ): ModelRecord {
    this.counters.model += 1;
    if (modelId !== undefined && this.models.has(modelId))
      throw new HttpError(409, `Model ${modelId} exists`);
    const rec: ModelRecord = {
      modelId: modelId ?? `model-${this.counters.model}`,
      sessionId,
      baseModel,
      lora,
      model: this.engine.createModel(baseModel, lora),
      userMetadata,
      lastRequestTime: this.isoNow(),
      unloaded: false,
      checkpoints: new Map(),
    };
    this.models.set(rec.modelId, rec);
    return rec;
  }

  /** A loaded model, or 404. */
  model(id: string): ModelRecord {
    const m = this.models.get(id);
    if (!m || m.unloaded) throw new HttpError(404, `Model ${id} not found`);
    m.lastRequestTime = this.isoNow();
    this.#expire(m);
    return m;
  }

  /** Drops the checkpoints of `m` whose `expires_at` has passed, files and all. */
  #expire(m: ModelRecord): void {
    const now = this.now();
    for (const [id, c] of m.checkpoints) {
      if (c.expires_at == null || Date.parse(c.expires_at) > now) continue;
      const [kind, name] = id.split("/") as [CheckpointKind, string];
      rmSync(this.checkpointDir(m.modelId, kind, name), { recursive: true, force: true });
      m.checkpoints.delete(id);
    }
  }

  /** A training run (loaded or not), or 404 in the service's words. */
  run(id: string): ModelRecord {
    const m = this.models.get(id);
    if (!m) throw new HttpError(404, `Training run ${id} not found`);
    this.#expire(m);
    return m;
  }

  /** Creates a sampling session. */
  createSampling(baseModel: string, modelPath: string | null, sampler: EngineSampler): SamplingRecord {
    this.counters.sampling += 1;
    const rec: SamplingRecord = {
      samplingSessionId: `sampling-sess-${this.counters.sampling}`,
      baseModel,
      modelPath,
      sampler,
    };
    this.sampling.set(rec.samplingSessionId, rec);
    return rec;
  }

  /** Picks a checkpoint name when the request gave none. */
  autoName(): string {
    this.counters.ckpt += 1;
    return String(this.counters.ckpt).padStart(4, "0");
  }

  /**
   * Writes a checkpoint to disk and records it; returns its `tinker://` path. Saves to one name run
   * one after another (a model's work is serialised) and each replaces the last whole: the files are
   * written to a fresh directory that is then renamed into place, so an archive never sees a
   * half-written checkpoint and the run lists the name once.
   */
  saveCheckpoint(
    model: ModelRecord,
    kind: CheckpointKind,
    name: string,
    data: Uint8Array,
    ttlSeconds: number | null = null,
  ): string {
    checkCheckpointName(name);
    const dir = this.checkpointDir(model.modelId, kind, name);
    this.staged += 1;
    const staging = `${dir}.saving-${this.staged}`;
    mkdirSync(staging, { recursive: true });
    const file = kind === "weights" ? "state.bin" : "adapter.bin";
    writeFileSync(join(staging, file), data);
    const meta = { base_model: model.baseModel, lora_rank: model.lora.rank, kind };
    writeFileSync(join(staging, "checkpoint.json"), JSON.stringify(meta));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    const checkpointId = `${kind}/${name}`;
    const tinkerPath = `tinker://${model.modelId}/${checkpointId}`;
    model.checkpoints.delete(checkpointId);
    model.checkpoints.set(checkpointId, {
      checkpoint_id: checkpointId,
      checkpoint_type: kind === "weights" ? "training" : "sampler",
      time: this.isoNow(),
      tinker_path: tinkerPath,
      size_bytes: data.length,
      public: false,
      ...(ttlSeconds === null
        ? {}
        : { expires_at: new Date(this.now() + ttlSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z") }),
    });
    return tinkerPath;
  }

  /** The directory of a checkpoint. */
  checkpointDir(runId: string, kind: CheckpointKind, name: string): string {
    return join(this.dataDir, "runs", runId, kind, name);
  }

  /** A checkpoint's record, or 404. */
  checkpoint(runId: string, checkpointId: string): CheckpointRecord {
    const c = this.run(runId).checkpoints.get(checkpointId);
    if (!c) throw new HttpError(404, `Checkpoint ${checkpointId} not found in training run ${runId}`);
    return c;
  }

  /** Reads a checkpoint's data by `tinker://` path (404 when missing, 400 on the wrong kind). */
  readCheckpoint(path: string, field: string, kind: CheckpointKind): { run: ModelRecord; data: Uint8Array } {
    const p = parseCheckpointPath(path, field);
    if (p.kind !== kind) throw new HttpError(400, `${field}: expected a ${kind} checkpoint, got ${path}`);
    const run = this.run(p.runId);
    this.checkpoint(p.runId, `${p.kind}/${p.name}`);
    const file = kind === "weights" ? "state.bin" : "adapter.bin";
    return {
      run,
      data: new Uint8Array(readFileSync(join(this.checkpointDir(p.runId, p.kind, p.name), file))),
    };
  }

  /** Deletes a checkpoint and its files. */
  deleteCheckpoint(runId: string, checkpointId: string): void {
    this.checkpoint(runId, checkpointId);
    const [kind, name] = checkpointId.split("/") as [CheckpointKind, string];
    rmSync(this.checkpointDir(runId, kind, name), { recursive: true, force: true });
    this.run(runId).checkpoints.delete(checkpointId);
  }

  /** The wire `TrainingRun` of a run. */
  trainingRun(run: ModelRecord): Record<string, unknown> {
    const all = [...run.checkpoints.values()];
    const last = (type: string) => all.filter((c) => c.checkpoint_type === type).at(-1) ?? null;
    return {
      training_run_id: run.modelId,
      base_model: run.baseModel,
      model_owner: "emulator@localhost",
      is_lora: true,
      corrupted: false,
      lora_rank: run.lora.rank,
      last_request_time: run.lastRequestTime,
      last_checkpoint: last("training"),
      last_sampler_checkpoint: last("sampler"),
      user_metadata: run.userMetadata,
    };
  }

  /** Every checkpoint of every run, runs in creation order. */
  allCheckpoints(): CheckpointRecord[] {
    return [...this.models.values()].flatMap((m) => {
      this.#expire(m);
      return [...m.checkpoints.values()];
    });
  }
}
