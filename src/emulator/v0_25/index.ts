/** The emulator's 0.25.0 side: handshake, JWTs, protobuf bodies and results, new REST endpoints. */
export { billingFault, type EmulatorV025Options, V025Controls } from "./controls.js";
export { credentialKind, jwtProblem } from "./jwt-issuer.js";
export { decodeRequestBody } from "./request-body.js";
export { v025Routes } from "./routes.js";
