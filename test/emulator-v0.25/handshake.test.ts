/** client/config and dynamic_config as the emulator answers them (facts 1–2). */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { CLIENT_CONFIG_DEFAULTS } from "../../src/protocol/client-config.js";
import { call } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("client/config", () => {
  it("answers every flag (SDK defaults, use_pyqwest_transport false) with Connection: close", async () => {
    emu = await startEmulator();
    const r = await call(emu, "POST", "/api/v1/client/config", { sdk_version: "0.25.0" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ...CLIENT_CONFIG_DEFAULTS, use_pyqwest_transport: false });
    expect(r.headers.get("connection")).toBe("close");
  });

  it("takes flags from the options and at run time", async () => {
    emu = await startEmulator({
      v025: { clientConfig: { pjwt_auth_enabled: true, fwdbwd_max_chunk_len: 3 } },
    });
    expect((await call(emu, "POST", "/api/v1/client/config", {})).body).toMatchObject({
      pjwt_auth_enabled: true,
      fwdbwd_max_chunk_len: 3,
    });
    emu.v025.setClientConfig({ proto_compress_fwdbwd: true });
    expect((await call(emu, "POST", "/api/v1/client/config", {})).body).toMatchObject({
      pjwt_auth_enabled: true,
      proto_compress_fwdbwd: true,
    });
  });
});

describe("dynamic_config", () => {
  it("answers refresh_interval_sec 300 by default, or what it is told", async () => {
    emu = await startEmulator();
    expect(
      (await call(emu, "POST", "/api/v1/client/dynamic_config", { sdk_version: "0.25.0" })).body,
    ).toEqual({
      refresh_interval_sec: 300,
    });
    emu.v025.dynamicConfig = 15;
    expect((await call(emu, "POST", "/api/v1/client/dynamic_config", {})).body).toEqual({
      refresh_interval_sec: 15,
    });
  });

  it("can be a server that predates it (404)", async () => {
    emu = await startEmulator({ v025: { dynamicConfig: "404" } });
    expect((await call(emu, "POST", "/api/v1/client/dynamic_config", {})).status).toBe(404);
  });
});
