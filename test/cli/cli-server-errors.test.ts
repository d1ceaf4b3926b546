/**
 * The built CLI against a scripted server: HTTP errors map to one-line messages and documented exit
 * codes, and a crafted checkpoint archive cannot write outside the output directory.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";
import { type CliResult, runCliInProcess } from "./run-cli.js";

const KEY = "tml-CLI-ERRORS-KEY-4242";
let server: ScriptedServer;
let work: string;

function cli(args: string[]): Promise<CliResult> {
  return runCliInProcess(args, {
    HOME: work,
    TINKER_API_KEY: KEY,
    TINKER_BASE_URL: server.url,
    TINKER_TELEMETRY: "0",
  });
}

/** A tar whose entry names are kept verbatim, so `../` survives into the archive. */
async function craftedTar(entries: Record<string, string>): Promise<Buffer> {
  const src = join(work, "tar-src", "deep");
  mkdirSync(src, { recursive: true });
  for (const [name, content] of Object.entries(entries)) writeFileSync(join(src, name), content);
  const file = join(work, "crafted.tar");
  await tar.c({ file, cwd: src, preservePaths: true }, Object.keys(entries));
  return readFileSync(file);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tinker-cli-errors-"));
});

beforeEach(async () => {
  await server?.close();
  server = await startScriptedServer();
  server.setDefault((req) =>
    req.path === "/api/v1/create_session"
      ? { body: { type: "create_session", session_id: "sess-cli" } }
      : { status: 404, body: { detail: `no route ${req.path}` } },
  );
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("tinker-ts CLI against failing servers", () => {
  it("maps 400 and 422 to 'Invalid request' / 'Invalid data provided' with exit 1, in both formats", async () => {
    server.script("GET /api/v1/training_runs", {
      status: 400,
      headers: { "x-should-retry": "false" },
      body: { detail: "limit too large" },
    });
    const bad = await cli(["run", "list"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.split("\n")[0]).toBe("Error: Invalid request");
    expect(bad.stderr).toContain("limit too large");
    expect(bad.stderr).not.toContain("    at ");

    server.script("GET /api/v1/training_runs/run-9", { status: 422, body: { detail: "bad run id" } });
    const json = await cli(["-f", "json", "run", "info", "run-9"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { message: "Invalid data provided", exit_code: 1 },
    });
    for (const r of [bad, json]) expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it("maps 403 to exit 3", async () => {
    server.script("GET /api/v1/training_runs/run-9", { status: 403, body: { detail: "not yours" } });
    const denied = await cli(["run", "info", "run-9"]);
    expect(denied.code).toBe(3);
    expect(denied.stderr.split("\n")[0]).toBe("Error: Permission denied");
  });

  it("refuses an archive entry that climbs out of the output directory and leaves nothing behind", async () => {
    mkdirSync(join(work, "tar-src"), { recursive: true });
    writeFileSync(join(work, "tar-src", "escape.txt"), "x"); // what "../escape.txt" names when packing
    const archive = await craftedTar({ "ok.txt": "fine", "../escape.txt": "pwned" });
    server.script("GET /api/v1/training_runs/run-7/checkpoints/sampler_weights/evil/archive", {
      status: 302,
      headers: { location: `${server.url}/files/evil.tar` },
      raw: "",
    });
    server.script("GET /files/evil.tar", {
      headers: { "content-type": "application/x-tar" },
      raw: archive,
    });
    const out = join(work, "out", "evil");
    const r = await cli(["checkpoint", "download", "tinker://run-7/sampler_weights/evil", "--output", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/escape|\.\./);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(work, "out", "escape.txt"))).toBe(false);
    // No partial download or half-extracted directory is left next to the output.
    expect(existsSync(join(work, "out")) ? readdirSync(join(work, "out")) : []).toEqual([]);
  });
});
