/**
 * Pairwise preference data (cookbook `preference/types.py`): two completions of one prompt, and a
 * label saying which one is preferred.
 */
import type { Message } from "../renderers/types.js";

/** Two completions (A and B) of the same prompt conversation. */
export interface Comparison {
  readonly promptConversation: readonly Message[];
  readonly completionA: readonly Message[];
  readonly completionB: readonly Message[];
}

/** A comparison and which completion is preferred. */
export interface LabeledComparison {
  readonly comparison: Comparison;
  readonly label: "A" | "B" | "Tie";
}

/** The comparison with A and B exchanged. */
export function swapComparison(c: Comparison): Comparison {
  return { promptConversation: c.promptConversation, completionA: c.completionB, completionB: c.completionA };
}

/** The labeled comparison with A and B exchanged and the label flipped (a tie stays a tie). */
export function swapLabeled(l: LabeledComparison): LabeledComparison {
  return {
    comparison: swapComparison(l.comparison),
    label: l.label === "A" ? "B" : l.label === "B" ? "A" : "Tie",
  };
}
