import { type Ranges, rangesIntersect, unionRanges } from "./char-set.ts";
import type { RegexNode } from "./parse.ts";

/**
 * Rejects patterns whose repetition is ambiguous: the shapes that make backtracking
 * engines take exponential time. TameFlare matches with its own linear-time automaton
 * (see `vm.ts`), so this is not what keeps the gateway safe; it keeps policies portable
 * to the backtracking engines that also read them (the dashboard's live preview, SQL
 * filters) and catches patterns that are almost always mistakes.
 *
 * Rejected under a quantifier that can repeat (`*`, `+`, `{n,m}` with m > 1):
 * - another such quantifier (star height above 1): `(a+)+`, `(\w*,)*`;
 * - a body that can match empty text: `(a?)*`, `(|a)+`;
 * - an alternation whose branches can start with the same character or match empty
 *   text: `(a|ab)*`, `(\d|1)+`.
 * Returns a sentence fragment ("nests a quantifier …") or undefined when the pattern is fine.
 */
export function findAmbiguity(node: RegexNode, source: string): string | undefined {
  return visit(node, source, false);
}

function visit(node: RegexNode, source: string, underRepeat: boolean): string | undefined {
  switch (node.t) {
    case "empty":
    case "set":
    case "assert":
      return undefined;
    case "seq":
      for (const item of node.items) {
        const found = visit(item, source, underRepeat);
        if (found !== undefined) return found;
      }
      return undefined;
    case "alt": {
      if (underRepeat) {
        const firsts = node.alts.map(first);
        for (let i = 0; i < node.alts.length; i++) {
          const a = firsts[i] as First;
          if (a.nullable) {
            return `repeats an alternation with a branch ${text(node.alts[i] as RegexNode, source)} that can match empty text; ambiguous repetition can take exponential time`;
          }
          for (let j = i + 1; j < node.alts.length; j++) {
            if (rangesIntersect(a.ranges, (firsts[j] as First).ranges)) {
              return `repeats an alternation whose branches ${text(node.alts[i] as RegexNode, source)} and ${text(node.alts[j] as RegexNode, source)} can start with the same character; ambiguous repetition can take exponential time`;
            }
          }
        }
      }
      for (const alt of node.alts) {
        const found = visit(alt, source, underRepeat);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    case "repeat": {
      const repeats = node.max > 1;
      if (repeats && underRepeat) {
        return `nests a quantifier inside a quantifier at ${text(node, source)}; nested repetition can take exponential time`;
      }
      if (repeats && first(node.body).nullable) {
        return `repeats ${text(node.body, source)}, which can match empty text; ambiguous repetition can take exponential time`;
      }
      return visit(node.body, source, underRepeat || repeats);
    }
  }
}

interface First {
  ranges: Ranges;
  nullable: boolean;
}

const none: Ranges = [];

/** The characters a match of `node` can start with, and whether it can match empty text. */
function first(node: RegexNode): First {
  switch (node.t) {
    case "empty":
    case "assert":
      return { ranges: none, nullable: true };
    case "set":
      return { ranges: node.ranges, nullable: false };
    case "seq": {
      let ranges: Ranges = none;
      for (const item of node.items) {
        const f = first(item);
        ranges = unionRanges(ranges, f.ranges);
        if (!f.nullable) return { ranges, nullable: false };
      }
      return { ranges, nullable: true };
    }
    case "alt": {
      let ranges: Ranges = none;
      let nullable = false;
      for (const alt of node.alts) {
        const f = first(alt);
        ranges = unionRanges(ranges, f.ranges);
        nullable ||= f.nullable;
      }
      return { ranges, nullable };
    }
    case "repeat": {
      const f = first(node.body);
      return { ranges: f.ranges, nullable: f.nullable || node.min === 0 };
    }
  }
}

function text(node: RegexNode, source: string): string {
  const s = source.slice(node.start, node.end);
  return `\`${(s.length > 40 ? `${s.slice(0, 39)}…` : s).replaceAll("`", "'")}\``;
}
