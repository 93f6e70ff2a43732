import { type PolicyDocument, policyDocumentSchema } from "@tameflare/contracts";
import { compileLocated } from "./compile.ts";
import { compileCondition } from "./condition.ts";
import { type LocatedError, type PathSegment, type PolicyError, toPolicyErrors } from "./errors.ts";
import { code, codeList, describeType } from "./format.ts";

export type ValidationResult = { ok: true; document: PolicyDocument } | { ok: false; errors: PolicyError[] };

/**
 * Validates untrusted input (parsed JSON or YAML) as a policy document: the shape (the
 * zod schema in `@tameflare/contracts`), then every semantic check `compilePolicy` makes
 * (unique policy, rule and connector names, access rules and scopes naming known
 * connectors, glob syntax, regex safety, operator value types). Each error carries its
 * path in the document and a Cedar-style message:
 * "policy `protect-main`: rule `r2`: unknown operator `greater`". Never throws.
 */
export function validatePolicyDocument(input: unknown): ValidationResult {
  const result = validateLocated(input);
  return result.ok ? result : { ok: false, errors: toPolicyErrors(result.errors) };
}

/** {@link validatePolicyDocument} with errors still located by path segments. */
export function validateLocated(
  input: unknown,
): { ok: true; document: PolicyDocument } | { ok: false; errors: LocatedError[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [
        {
          segments: [],
          message: `a policy document is a mapping that starts with \`version: 1\`, got ${describeType(input)}`,
        },
      ],
    };
  }
  const conditionErrors = checkConditions(input);
  let parsed: ReturnType<typeof policyDocumentSchema.safeParse>;
  try {
    parsed = policyDocumentSchema.safeParse(input);
  } catch (cause) {
    // Only pathological input gets here (nesting deep enough to exhaust the stack).
    const detail = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      errors: [...conditionErrors, { segments: [], message: `the document could not be read: ${detail}` }],
    };
  }
  if (!parsed.success) {
    const errors: LocatedError[] = [];
    for (const issue of parsed.error.issues) {
      const segments = issue.path.filter((s): s is string | number => typeof s !== "symbol");
      if (isInsideReportedCondition(segments, conditionErrors)) continue;
      errors.push(...issueErrors(issue as ZodIssueLike, segments, input));
    }
    return { ok: false, errors: [...errors, ...conditionErrors, ...partialSemanticErrors(input, errors)] };
  }
  const compiled = compileLocated(parsed.data);
  const errors = [...conditionErrors, ...(compiled.ok ? [] : compiled.errors)];
  return errors.length === 0 ? { ok: true, document: parsed.data } : { ok: false, errors };
}

const semanticSections = ["connectors", "access_rules", "policies", "rate_limits", "kill_switches"] as const;

/**
 * When the shape check failed somewhere, the semantic checks still run on the top-level
 * sections that passed it (connectors, access rules, policies, rate limits, kill
 * switches), so one round trip shows as many problems as possible. Errors that depend on
 * a section that failed (connector names) are left for the next round.
 */
function partialSemanticErrors(input: object, shapeErrors: readonly LocatedError[]): LocatedError[] {
  const failed = new Set(shapeErrors.map((e) => e.segments[0]));
  const raw = input as Record<string, unknown>;
  const partial: Record<string, unknown> = { version: 1 };
  const ok = new Set<string>();
  for (const section of semanticSections) {
    if (failed.has(section)) continue;
    const parsed = policyDocumentSchema.shape[section].safeParse(raw[section]);
    if (!parsed.success) continue;
    partial[section] = parsed.data;
    ok.add(section);
  }
  const whole = policyDocumentSchema.safeParse(partial);
  if (!whole.success) return [];
  const compiled = compileLocated(whole.data);
  if (compiled.ok) return [];
  return compiled.errors.filter((e) => {
    const section = e.segments[0];
    if (typeof section !== "string" || !ok.has(section)) return false;
    // Without valid connectors every connector name would look unknown.
    return ok.has("connectors") || !e.message.includes("unknown connector");
  });
}

/** The condition checks run on the raw input, so they report even when other parts fail. */
function checkConditions(input: object): LocatedError[] {
  const errors: LocatedError[] = [];
  const policies = (input as { policies?: unknown }).policies;
  if (!Array.isArray(policies)) return errors;
  policies.forEach((policy: unknown, i) => {
    if (typeof policy !== "object" || policy === null) return;
    const rules = (policy as { rules?: unknown }).rules;
    if (!Array.isArray(rules)) return;
    rules.forEach((rule: unknown, j) => {
      if (typeof rule !== "object" || rule === null || !Object.hasOwn(rule, "when")) return;
      const ctx = contextOf(input, ["policies", i, "rules", j]).context;
      compileCondition((rule as { when: unknown }).when, ["policies", i, "rules", j, "when"], ctx, errors);
    });
  });
  return errors;
}

function isInsideReportedCondition(
  segments: readonly PathSegment[],
  conditionErrors: readonly LocatedError[],
): boolean {
  if (segments[0] !== "policies" || segments[2] !== "rules" || segments[4] !== "when") return false;
  return conditionErrors.some((e) => e.segments[1] === segments[1] && e.segments[3] === segments[3]);
}

interface ZodIssueLike {
  code: string;
  message: string;
  expected?: string;
  values?: readonly unknown[];
  keys?: readonly string[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  prefix?: string;
  includes?: string;
}

const typeWords: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  array: "a list",
  object: "a mapping",
};

function issueErrors(issue: ZodIssueLike, segments: PathSegment[], input: object): LocatedError[] {
  const { context, field } = contextOf(input, segments);
  const value = valueAt(input, segments);
  const subject = field === "" ? "the value" : `\`${field}\``;
  const prefix = (message: string): string => (context === "" ? message : `${context}: ${message}`);
  switch (issue.code) {
    case "unrecognized_keys":
      return (issue.keys ?? []).map((key) => ({
        segments: [...segments, key],
        message: prefix(`unknown key ${code(key)}`),
      }));
    case "invalid_type": {
      if (segments.length === 0)
        return [{ segments, message: "a policy document is a mapping that starts with `version: 1`" }];
      const expected = typeWords[issue.expected ?? ""] ?? `a value of type ${code(issue.expected)}`;
      const message =
        value === undefined
          ? `${subject} is required`
          : `${subject} must be ${expected}, got ${describeType(value)}`;
      return [{ segments, message: prefix(message) }];
    }
    case "invalid_value": {
      const values = issue.values ?? [];
      const wanted = values.length === 1 ? code(values[0]) : `one of ${codeList(values)}`;
      // `version: "1"` would otherwise read "must be `1`, got `1`": name the type when it differs.
      const typeHint =
        value !== undefined && values.length > 0 && values.every((v) => typeof v !== typeof value)
          ? ` (${describeType(value)})`
          : "";
      const message =
        value === undefined
          ? `${subject} is required; use ${wanted}`
          : `${subject} must be ${wanted}, got ${code(value)}${typeHint}`;
      return [{ segments, message: prefix(message) }];
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = Number(small ? issue.minimum : issue.maximum);
      let message: string;
      if (issue.origin === "string") {
        message =
          small && bound === 1
            ? `${subject} must not be empty`
            : `${subject} must have ${small ? "at least" : "at most"} ${bound} characters`;
      } else if (issue.origin === "array") {
        message = `${subject} needs ${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
      } else {
        const word = small
          ? issue.inclusive === false
            ? "greater than"
            : "at least"
          : issue.inclusive === false
            ? "less than"
            : "at most";
        message = `${subject} must be ${word} ${bound}`;
      }
      return [{ segments, message: prefix(message) }];
    }
    case "invalid_format": {
      let message: string;
      if (issue.format === "url") message = `${subject} must be a URL, got ${code(value)}`;
      else if (issue.format === "starts_with") message = `${subject} must start with ${code(issue.prefix)}`;
      else if (issue.format === "includes") message = `${subject} must contain ${code(issue.includes)}`;
      else message = `${subject} has the wrong format (${lowerFirst(issue.message)})`;
      return [{ segments, message: prefix(message) }];
    }
    case "custom":
      return [{ segments, message: prefix(issue.message) }];
    default:
      return [{ segments, message: prefix(`${subject}: ${lowerFirst(issue.message)}`) }];
  }
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : text[0]?.toLowerCase() + text.slice(1);
}

function valueAt(input: unknown, segments: readonly PathSegment[]): unknown {
  let value: unknown = input;
  for (const segment of segments) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

const sections: Record<string, (item: Record<string, unknown>, index: number) => string> = {
  connectors: (c, i) => `connector ${nameOr(c.name ?? c.type, i)}`,
  access_rules: (r, i) => `access rule ${nameOr(r.id ?? r.action ?? r.preset, i)}`,
  rate_limits: (r, i) => `rate limit ${nameOr(r.name ?? r.action, i)}`,
  kill_switches: (k, i) => `kill switch ${nameOr(k.id ?? k.scope, i)}`,
  policies: (p, i) => `policy ${nameOr(p.name, i)}`,
};

function nameOr(name: unknown, index: number): string {
  return typeof name === "string" && name !== "" ? code(name) : `at index ${index}`;
}

/** Splits a path into the message context ("policy `p`: rule `r`") and the rest (`when.op`). */
function contextOf(input: unknown, segments: readonly PathSegment[]): { context: string; field: string } {
  const [section, index] = segments;
  const describe =
    typeof section === "string" && Object.hasOwn(sections, section) ? sections[section] : undefined;
  if (describe === undefined || typeof index !== "number") {
    if (section === "gateway" || section === "limits" || section === "approvals") {
      return { context: section, field: fieldText(segments.slice(1)) };
    }
    return { context: "", field: fieldText(segments) };
  }
  const item = valueAt(input, [section as string, index]);
  const record = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
  let context = describe(record, index);
  let rest = segments.slice(2);
  if (section === "policies" && rest[0] === "rules" && typeof rest[1] === "number") {
    const rule = valueAt(record, ["rules", rest[1]]);
    const ruleName =
      typeof rule === "object" && rule !== null ? (rule as { name?: unknown }).name : undefined;
    context += `: rule ${nameOr(ruleName, rest[1])}`;
    rest = rest.slice(2);
  }
  return { context, field: fieldText(rest) };
}

function fieldText(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out === "" ? s : `.${s}`;
  return out;
}
