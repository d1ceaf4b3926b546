/**
 * Phase-1 parity of the 0.25.0 protobuf codec: every protobuf body of all 17 v0.25 scenarios.
 * Recorded bodies are rebuilt into bytes by our encoder and checked three ways (decoded form,
 * message length, canonical SHA-256); responses also by the SHA-256 of the exact bytes. Bodies whose
 * arrays the recorder summarised are rebuilt from the scenario's data and checked the same way.
 */
import { describe, expect, it } from "vitest";
import { encodeFromDisplay } from "../../src/protocol/v0_25/codec.js";
import { decodeSampleResponse } from "../../src/protocol/v0_25/sample-response.js";
import { encodeForwardBackwardOutput } from "../../src/protocol/v0_25/forward-backward-output.js";
import { encodeForwardBackwardRequest } from "../../src/protocol/v0_25/forward-backward-request.js";
import { forwardBackwardRequestToPb } from "../../src/protocol/v0_25/from-sdk.js";
import { forwardBackwardOutputToPb } from "../../src/protocol/v0_25/results.js";
import { ProtoDecodeError } from "../../src/protocol/v0_25/wire.js";
import {
  checkProtobufRequest,
  checkProtobufResponse,
  hasSummaries,
  isProtobufRequest,
  isProtobufResponse,
  recordedMessageName,
} from "./bodies.js";
import { chunkingRequestData, chunkOutputs } from "./chunking-data.js";
import {
  type Json,
  loadTranscriptV025,
  SCENARIOS_V025,
  scenariosOnDisk,
  type TranscriptLineV025,
} from "./golden.js";

/** Protobuf bodies per scenario (requests + responses), counted from the transcripts once. */
const EXPECTED: Record<(typeof SCENARIOS_V025)[number], [number, number]> = {
  handshake: [0, 0],
  training_proto: [3, 3],
  training_zstd: [3, 3],
  chunking: [10, 10],
  chunking_serial: [11, 11],
  sampling_proto: [0, 8],
  budgets: [3, 10],
  retries: [3, 3],
  futures: [4, 3],
  billing: [2, 2],
  jwt_auth: [1, 1],
  credentials: [0, 0],
  weights_state: [1, 1],
  rest: [0, 0],
  telemetry: [0, 0],
  heartbeat: [0, 0],
  lowlevel: [0, 0],
};

function requestBytes(scenario: string, line: TranscriptLineV025): Uint8Array {
  if (!hasSummaries(line.body)) return encodeFromDisplay(line.body as { [k: string]: Json });
  const data = scenario === "chunking" ? chunkingRequestData(line.seq) : undefined;
  if (!data) throw new Error(`${scenario}:${line.seq}: summarised body without a rebuild`);
  const b = line.body as { model_id: string; seq_id: number; loss_fn: string; forward_only?: boolean };
  return encodeForwardBackwardRequest(
    forwardBackwardRequestToPb({
      model_id: b.model_id,
      seq_id: b.seq_id,
      data,
      loss_fn: b.loss_fn,
      forward_only: b.forward_only === true,
    }),
  );
}

function responseBytes(scenario: string, line: TranscriptLineV025): Uint8Array {
  const body = line.response.body as { [k: string]: Json };
  if (!hasSummaries(body)) return encodeFromDisplay(body);
  if (scenario !== "chunking")
    throw new Error(`${scenario}:${line.seq}: summarised response without a rebuild`);
  const rec = (body.loss_fn_outputs as { num_datums: number }[])[0] as { num_datums: number };
  return encodeForwardBackwardOutput(
    forwardBackwardOutputToPb({
      loss_fn_output_type: body.loss_fn_output_type as string,
      loss_fn_outputs: chunkOutputs(rec.num_datums),
      metrics: body.metrics as Record<string, number>,
    }),
  );
}

describe("v0.25 fixtures", () => {
  it("hold exactly the 17 scenarios", () => {
    expect(scenariosOnDisk()).toEqual([...SCENARIOS_V025].sort());
  });
});

for (const scenario of SCENARIOS_V025) {
  describe(`v0.25 ${scenario}: protobuf bodies`, () => {
    const lines = loadTranscriptV025(scenario);
    const requests = lines.filter(isProtobufRequest);
    const responses = lines.filter(isProtobufResponse);

    it("has the expected number of protobuf bodies", () => {
      expect([requests.length, responses.length]).toEqual(EXPECTED[scenario]);
    });

    for (const line of requests) {
      it(`request seq ${line.seq} (${line.path}${line.content_encoding ? ", zstd" : ""}): decoded form, length and canonical hash`, () => {
        expect(checkProtobufRequest(line, requestBytes(scenario, line))).toEqual([]);
      });
    }

    for (const line of responses) {
      const name = recordedMessageName(line.response.body);
      if (name === undefined) {
        it(`response seq ${line.seq}: bytes that are not protobuf are refused`, () => {
          const raw = Buffer.from((line.response.body as { base64: string }).base64, "base64");
          expect(() => decodeSampleResponse(raw)).toThrow(ProtoDecodeError);
        });
        continue;
      }
      it(`response seq ${line.seq} (${name.split(".")[1]}): exact bytes`, () => {
        expect(checkProtobufResponse(line, responseBytes(scenario, line))).toEqual([]);
      });
    }
  });
}
