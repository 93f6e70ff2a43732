import { conditionOperators } from "@tameflare/contracts";
import type { LocatedError, PathSegment } from "./errors.ts";
import { type ConditionInput, compileField } from "./field.ts";
import { code } from "./format.ts";
import { matcherFor } from "./matchers/index.ts";

/** Deepest nesting of `all` / `any` / `not` accepted (keeps evaluation's recursion shallow). */
export const maxConditionDepth = 32;

/**
 * A compiled `when`. `test` is total on plain data; `explain` says why the condition
 * evaluated to `holds` for this input, naming only the parts that decided it
 * ("`parameters.ref` equals `heads/main`").
 */
export interface CompiledCondition {
  test(input: ConditionInput): boolean;
  explain(input: ConditionInput, holds: boolean): string;
}

const leafKeys = new Set(["field", "op", "value"]);
const compoundKeys = ["all", "any", "not"] as const;
const shapeHint =
  "a condition is a mapping with `field` and `op` (and `value`), or with one of `all`, `any` or `not`";

/**
 * Compiles a condition from untrusted input (a parsed document or raw YAML data),
 * checking its shape, field, operator and value. Problems are appended to `errors`
 * with `context` ("policy `p`: rule `r`") in front; the result is undefined when any
 * were found.
 */
export function compileCondition(
  raw: unknown,
  segments: readonly PathSegment[],
  context: string,
  errors: LocatedError[],
): CompiledCondition | undefined {
  const before = errors.length;
  const compiled = compileNode(raw, segments, context, errors, 1);
  return errors.length === before ? compiled : undefined;
}

function compileNode(
  raw: unknown,
  segments: readonly PathSegment[],
  context: string,
  errors: LocatedError[],
  depth: number,
): CompiledCondition | undefined {
  const fail = (at: readonly PathSegment[], message: string): undefined => {
    errors.push({ segments: at, message: `${context}: ${message}` });
    return undefined;
  };
  if (depth > maxConditionDepth)
    return fail(segments, `conditions nest deeper than ${maxConditionDepth} levels`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail(segments, shapeHint);
  const record = raw as Record<string, unknown>;
  const keys = Object.keys(record);
  const compound = compoundKeys.filter((k) => Object.hasOwn(record, k));
  if (compound.length > 0) {
    if (keys.length !== 1) {
      const extra = keys.find((k) => k !== compound[0]) as string;
      return fail(
        [...segments, extra],
        `${shapeHint}; unexpected key ${code(extra)} next to \`${compound[0]}\``,
      );
    }
    const kind = compound[0] as (typeof compoundKeys)[number];
    if (kind === "not") {
      const child = compileNode(record.not, [...segments, "not"], context, errors, depth + 1);
      return child === undefined ? undefined : notNode(child);
    }
    const list = record[kind];
    if (!Array.isArray(list)) return fail([...segments, kind], `\`${kind}\` needs a list of conditions`);
    const children: CompiledCondition[] = [];
    let failed = false;
    list.forEach((item, i) => {
      const child = compileNode(item, [...segments, kind, i], context, errors, depth + 1);
      if (child === undefined) failed = true;
      else children.push(child);
    });
    if (failed) return undefined;
    return kind === "all" ? allNode(children) : anyNode(children);
  }
  let failed = false;
  for (const key of keys) {
    if (!leafKeys.has(key)) {
      fail([...segments, key], `unknown key ${code(key)} in a condition`);
      failed = true;
    }
  }
  if (!Object.hasOwn(record, "field") || !Object.hasOwn(record, "op")) {
    return fail(segments, shapeHint);
  }
  const { field, op, value } = record;
  const matcher = matcherFor(op);
  if (matcher === undefined) {
    fail([...segments, "op"], `unknown operator ${code(op)}`);
    failed = true;
  }
  let getter: ReturnType<typeof compileField> | undefined;
  if (typeof field !== "string") {
    fail([...segments, "field"], `\`field\` must be a dotted path such as \`parameters.amount\``);
    failed = true;
  } else {
    getter = compileField(field);
    if (!getter.ok) {
      fail([...segments, "field"], getter.message);
      failed = true;
    }
  }
  if (matcher === undefined) return undefined;
  const prepared = matcher.prepare(value);
  if (!prepared.ok) return fail([...segments, "value"], prepared.message);
  if (failed || getter === undefined || !getter.ok) return undefined;
  const get = getter.get;
  const p = prepared.prepared;
  // A leaf's wording depends only on the document, so both sentences are built once here.
  const whenHolds = matcher.explain(field as string, value, true);
  const whenFails = matcher.explain(field as string, value, false);
  const matches = matcher.matches;
  return {
    test: (input) => matches(get(input), p),
    explain: (_input, holds) => (holds ? whenHolds : whenFails),
  };
}

function allNode(children: readonly CompiledCondition[]): CompiledCondition {
  return {
    test: (input) => {
      for (const child of children) if (!child.test(input)) return false;
      return true;
    },
    explain: (input, holds) => {
      if (children.length === 0) return "an empty `all` always holds";
      if (holds) return children.map((c) => c.explain(input, true)).join(" and ");
      const failing = children.find((c) => !c.test(input));
      return failing === undefined ? "the conditions did not all hold" : failing.explain(input, false);
    },
  };
}

function anyNode(children: readonly CompiledCondition[]): CompiledCondition {
  return {
    test: (input) => {
      for (const child of children) if (child.test(input)) return true;
      return false;
    },
    explain: (input, holds) => {
      if (children.length === 0) return "an empty `any` never holds";
      if (!holds) return children.map((c) => c.explain(input, false)).join(" and ");
      const passing = children.find((c) => c.test(input));
      return passing === undefined ? "one of the conditions held" : passing.explain(input, true);
    },
  };
}

function notNode(child: CompiledCondition): CompiledCondition {
  return {
    test: (input) => !child.test(input),
    explain: (input, holds) => child.explain(input, !holds),
  };
}

/** The operator names, for messages and docs. */
export const operatorNames: readonly string[] = conditionOperators;
