/**
 * Checkpoint download from code (issue 17 item 9) and its safety (issue 21): sizes compared with
 * the checkpoint's `size_bytes`, compressed transfers and `.tar.gz` bombs capped, an expired URL
 * refused clearly, tar failures mapped to messages a user understands.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  CheckpointDownloadError,
  type DownloadProgress,
  downloadCheckpoint,
  ServiceClient,
} from "../../src/index.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const KEY = "tml-DOWNLOAD";
const work = mkdtempSync(join(tmpdir(), "tinker-download-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let service: ServiceClient | undefined;
let emu: Emulator | undefined;
let server: ScriptedServer | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  await server?.close();
  service = undefined;
  emu = undefined;
  server = undefined;
});

describe("downloadCheckpoint against the emulator", () => {
  it("downloads and extracts, reporting progress, through the function and the RestClient method", async () => {
    emu = await startEmulator();
    service = new ServiceClient({ apiKey: KEY, baseUrl: emu.url, telemetry: false });
    const training = await service.createLoraTrainingClient("tinker-ts/tiny-lm", { rank: 4, seed: 1 });
    const { path } = await training.saveState("ckpt");
    const rest = service.createRestClient();
    const progress: DownloadProgress[] = [];
    const out = join(work, "emu-out");
    const r = await downloadCheckpoint(rest, path, { outputDir: out, onProgress: (p) => progress.push(p) });
    expect(r.outputDir).toBe(out);
    expect(r.files.sort()).toEqual(["checkpoint.json", "state.bin"]);
    expect(readdirSync(out).sort()).toEqual(["checkpoint.json", "state.bin"]);
    expect(r.sizeBytes).toBeGreaterThan(0);
    expect(r.archiveBytes).toBeGreaterThan(r.sizeBytes as number);
    expect(progress.at(-1)).toEqual({
      phase: "done",
      receivedBytes: r.archiveBytes,
      totalBytes: r.archiveBytes,
    });
    expect(progress.some((p) => p.phase === "download" && p.totalBytes === r.archiveBytes)).toBe(true);
    expect(progress.some((p) => p.phase === "extract")).toBe(true);
    // The method form, into an existing directory: refused without force, replaced with it.
    await expect(rest.downloadCheckpoint(path, { outputDir: out })).rejects.toThrow(/already exists/);
    const again = await rest.downloadCheckpoint(path, { outputDir: out, force: true });
    expect(again.files).toHaveLength(2);
    expect(readdirSync(work).filter((f) => f.includes("partial"))).toEqual([]);
  });
});

describe("downloadCheckpoint against a hostile server", () => {
  const run = "run-9";
  async function serve(opts: {
    sizeBytes: number;
    archive: Buffer;
    headers?: Record<string, string>;
    expires?: string;
    status?: number;
  }) {
    server = await startScriptedServer();
    server.script(`GET /api/v1/training_runs/${run}/checkpoints`, {
      body: {
        checkpoints: [
          {
            checkpoint_id: "weights/c",
            checkpoint_type: "training",
            time: "2026-01-01T00:00:00Z",
            tinker_path: `tinker://${run}/weights/c`,
            size_bytes: opts.sizeBytes,
            public: false,
          },
        ],
      },
    });
    server.script(`GET /api/v1/training_runs/${run}/checkpoints/weights/c/archive`, {
      status: 302,
      headers: {
        location: `${server.url}/files/c.tar`,
        ...(opts.expires ? { expires: opts.expires } : {}),
      },
      raw: "",
    });
    server.script("GET /files/c.tar", {
      status: opts.status ?? 200,
      headers: { "content-type": "application/x-tar", ...opts.headers },
      raw: opts.archive,
    });
    service = new ServiceClient({ apiKey: KEY, baseUrl: server.url, telemetry: false, maxRetries: 0 });
    return service.createRestClient();
  }
  const fail = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CheckpointDownloadError);
    return e as CheckpointDownloadError;
  };
  const outDir = (name: string) => join(work, name);

  it("refuses a gzip-encoded transfer that inflates past twice size_bytes + 16 MiB", async () => {
    // 24 MiB of zeros as a tar entry, ~25 KB on the wire; the checkpoint is listed at 1 000 bytes.
    const header = new tar.Header({ path: "weights.bin", size: 24 * 1024 * 1024, type: "File", mode: 0o644 });
    header.encode();
    const tarball = Buffer.concat([
      header.block as Buffer,
      Buffer.alloc(24 * 1024 * 1024),
      Buffer.alloc(1024),
    ]);
    const rest = await serve({
      sizeBytes: 1_000,
      archive: gzipSync(tarball),
      headers: { "content-encoding": "gzip" },
    });
    const e = await fail(rest.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("gz") }));
    expect(e.code).toBe("TINKER_DOWNLOAD_TOO_LARGE");
    expect(e.message).toMatch(/more than the 16779216 bytes allowed for a checkpoint listed at 1000 bytes/);
    expect(existsSync(outDir("gz"))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes("partial"))).toEqual([]);
  });

  it("refuses a .tar.gz bomb from its declared entry sizes, before inflating it", async () => {
    const header = new tar.Header({ path: "bomb.bin", size: 2 ** 30, type: "File", mode: 0o644 });
    header.encode();
    const archive = gzipSync(Buffer.concat([header.block as Buffer, Buffer.alloc(64 * 1024)]));
    const rest = await serve({ sizeBytes: 1_000, archive });
    const e = await fail(
      rest.downloadCheckpoint(`tinker://${run}/weights/c`, {
        outputDir: outDir("bomb"),
        maxBytes: 1_000_000,
      }),
    );
    expect(e.code).toBe("TINKER_DOWNLOAD_TOO_LARGE");
    expect(e.message).toMatch(/unpacks to more than 1000000 bytes \(at bomb.bin\)/);
    expect(existsSync(outDir("bomb"))).toBe(false);
  });

  it("refuses a plain archive larger than the checkpoint allows by its content-length", async () => {
    const rest = await serve({ sizeBytes: 10, archive: Buffer.alloc(4096) });
    const e = await fail(
      rest.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("big"), maxBytes: 1000 }),
    );
    expect(e.code).toBe("TINKER_DOWNLOAD_TOO_LARGE");
  });

  it("refuses an archive URL that has already expired, without fetching it", async () => {
    const rest = await serve({
      sizeBytes: 10,
      archive: Buffer.alloc(0),
      expires: "Thu, 01 Jan 2026 00:00:00 GMT",
    });
    const e = await fail(rest.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("exp") }));
    expect(e.code).toBe("TINKER_DOWNLOAD_EXPIRED");
    expect(e.message).toMatch(/had already expired \(at 2026-01-01T00:00:00.000Z/);
    expect(server?.requests.some((r) => r.path === "/files/c.tar")).toBe(false);
  });

  it("maps a corrupt archive and an HTTP refusal to messages a user can act on", async () => {
    const rest = await serve({
      sizeBytes: 100,
      archive: Buffer.from("this is not a tar file at all".repeat(40)),
    });
    const e = await fail(rest.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("bad") }));
    expect(e.code).toBe("TINKER_DOWNLOAD_BAD_ARCHIVE");
    expect(e.message).toMatch(
      /^The downloaded checkpoint archive is (not a valid tar file|truncated or corrupt); download it again/,
    );
    expect(existsSync(outDir("bad"))).toBe(false);
    await server?.close();
    await service?.close();
    const denied = await serve({
      sizeBytes: 100,
      archive: Buffer.from("<Error>Request has expired</Error>"),
      status: 403,
    });
    const d = await fail(
      denied.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("403") }),
    );
    expect(d.code).toBe("TINKER_DOWNLOAD_HTTP");
    expect(d.message).toMatch(/HTTP 403 \(the link may have expired/);
  });

  it("keeps a truncated archive from leaving files behind", async () => {
    const src = join(work, "trunc-src");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "a.bin"), Buffer.alloc(20_000, 7));
    const file = join(work, "trunc.tar");
    await tar.c({ file, cwd: src }, ["a.bin"]);
    const whole = readFileSync(file);
    const rest = await serve({ sizeBytes: 20_000, archive: whole.subarray(0, 10_000) });
    const e = await fail(
      rest.downloadCheckpoint(`tinker://${run}/weights/c`, { outputDir: outDir("trunc") }),
    );
    expect(e.code).toBe("TINKER_DOWNLOAD_BAD_ARCHIVE");
    expect(existsSync(outDir("trunc"))).toBe(false);
  });
});
