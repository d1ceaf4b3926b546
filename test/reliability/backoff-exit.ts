/**
 * Child process of process-lifetime.test.ts: one call whose server answers 503 twice before the
 * result. Nothing else holds the event loop during the back-offs, so if their timers were unref'd,
 * Node would end this script in the middle of the call (exit code 13, unsettled await). It then
 * ends without close(): the heartbeat and other background loops must not hold the process either.
 */
import { ServiceClient } from "../../src/index.js";

const client = new ServiceClient({ apiKey: "tml-LIFETIME", baseUrl: process.argv[2], telemetry: false });
const caps = await client.getServerCapabilities();
console.log(`backoff-exit: ${caps.supported_models.length} models`);
