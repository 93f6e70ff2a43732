/** The roots a condition's `field` may start with: the action's fields plus `agent`. */
export const fieldRoots = ["type", "connector", "resource", "parameters", "risk", "read", "agent"] as const;
export type FieldRoot = (typeof fieldRoots)[number];

/** What conditions look at: the action and the agent that sent it. */
export interface ConditionInput {
  readonly type: string;
  readonly connector: string;
  readonly resource: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly risk: unknown;
  readonly read: boolean;
  readonly agent: string;
}

export type FieldGetter = (input: ConditionInput) => unknown;

export type FieldResult = { ok: true; get: FieldGetter; segments: string[] } | { ok: false; message: string };

const maxFieldLength = 256;

/**
 * Compiles a dotted path (`parameters.ref`, `parameters.items.0.amount`) to a getter.
 * Object prototype members are never read, so `parameters.constructor` or
 * `parameters.__proto__` find nothing instead of the object prototype; numeric
 * segments index lists.
 * A missing step yields `undefined`; the getter never throws on plain data.
 */
export function compileField(path: string): FieldResult {
  if (path.length === 0 || path.length > maxFieldLength) {
    return { ok: false, message: `field \`${path.slice(0, 40)}\` must be 1 to ${maxFieldLength} characters` };
  }
  const segments = path.split(".");
  const root = segments[0] as string;
  if (!(fieldRoots as readonly string[]).includes(root)) {
    return {
      ok: false,
      message: `unknown field \`${path.slice(0, 80)}\`; a field starts with ${fieldRoots.map((r) => `\`${r}\``).join(", ")}`,
    };
  }
  if (segments.some((s) => s === "")) {
    return { ok: false, message: `field \`${path.slice(0, 80)}\` has an empty segment` };
  }
  if (root !== "parameters" && segments.length > 1) {
    return { ok: false, message: `field \`${path.slice(0, 80)}\`: only \`parameters\` has nested fields` };
  }
  const rest = segments.slice(1);
  const key = root as FieldRoot;
  if (rest.length === 0) return { ok: true, segments, get: (input) => input[key] };
  const steps = rest.map(stepFor);
  const first = rest[0] as string;
  if (steps.length === 1 && !(first in Object.prototype)) {
    // The hot case (`parameters.amount`): `parameters` is always a plain mapping here
    // (`evaluate` replaces anything else by `{}`), so one property read is enough.
    return { ok: true, segments, get: (input) => input.parameters[first] };
  }
  if (steps.length === 1) {
    const only = steps[0] as Step;
    return { ok: true, segments, get: (input) => only(input.parameters) };
  }
  return {
    ok: true,
    segments,
    get: (input) => {
      let value: unknown = input.parameters;
      for (const next of steps) {
        value = next(value);
        if (value === undefined) return undefined;
      }
      return value;
    },
  };
}

type Step = (value: unknown) => unknown;

/**
 * One path step, specialised at compile time. Keys that `Object.prototype` also has
 * (`constructor`, `toString`, `__proto__`…) are read through `Object.hasOwn`; for any
 * other key a plain read already finds own properties only on plain data (parsed JSON,
 * connector output), which is cheaper on the hot path.
 */
function stepFor(segment: string): Step {
  const index = /^(0|[1-9]\d{0,8})$/.test(segment) ? Number(segment) : undefined;
  const inherited = segment in Object.prototype;
  return (value) => {
    if (typeof value !== "object" || value === null) return undefined;
    if (Array.isArray(value)) return index === undefined ? undefined : value[index];
    if (inherited)
      return Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
    return (value as Record<string, unknown>)[segment];
  };
}
