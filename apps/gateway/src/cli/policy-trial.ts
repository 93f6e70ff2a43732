import {
  type Action,
  actionSchema,
  type Decision,
  type DecisionReason,
  type KillSwitch,
  killSwitchSchema,
} from "@tameflare/contracts";
import { z } from "zod";
import {
  type CompiledPolicy,
  type ConnectorRegistry,
  compilePolicy,
  evaluate,
  explainDecision,
  type RateState,
} from "../config/engine.ts";
import type { LoadedPolicy } from "../config/load.ts";
import { snapshotFromRequest } from "./request-snapshot.ts";

/** `policy/rule` as the gateway names it in audit events and 403 bodies. */
export function ruleName(reason: DecisionReason): string {
  return reason.rule !== undefined && reason.rule !== reason.id ? `${reason.id}/${reason.rule}` : reason.id;
}

/** A partial action as `tf policy test` accepts it: `type` required, the rest defaults. */
const partialActionSchema = z
  .object({ type: z.string().min(1) })
  .passthrough()
  .transform((partial, ctx) => {
    const parsed = actionSchema.safeParse({
      connector: partial.type.split(".")[0] ?? "",
      resource: "",
      parameters: {},
      risk: "medium",
      read: false,
      ...partial,
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ ...issue, code: "custom", message: issue.message });
      return z.NEVER;
    }
    return parsed.data;
  });

const requestSchema = z.object({
  method: z.string().min(1),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
});

/** One trial: what is asked (an action, a batch of actions, or a request), by whom, when. */
export const trialStepSchema = z
  .object({
    action: partialActionSchema.optional(),
    actions: z.array(partialActionSchema).min(1).optional(),
    request: requestSchema.optional(),
    agent: z.string().min(1).optional(),
    /** The clock for this step (ISO); default now. */
    at: z.string().datetime({ offset: true }).optional(),
  })
  .refine((s) => [s.action, s.actions, s.request].filter((v) => v !== undefined).length === 1, {
    message: "a step needs exactly one of `action`, `actions` or `request`",
  });
export type TrialStep = z.infer<typeof trialStepSchema>;

/** A sequence of steps decided on one state (rate limits carry over), for `--batch`. */
export const trialSequenceSchema = z.object({
  name: z.string().optional(),
  /** Who the gateway is (kill switches and `scope.gateways` match on it). */
  gateway: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  kill_switches: z.array(killSwitchSchema).default([]),
  steps: z.array(trialStepSchema).min(1),
});
export type TrialSequence = z.infer<typeof trialSequenceSchema>;
export const trialBatchSchema = z.array(trialSequenceSchema);

export interface TrialContext {
  compiled: CompiledPolicy;
  registry: ConnectorRegistry;
  mode: LoadedPolicy["document"]["gateway"]["enforcement"];
  killSwitches: readonly KillSwitch[];
  defaultAgent: string;
  nowMs: number;
}

/** Compiles the document again when a sequence names the gateway (local documents compile as `local`). */
export function compiledFor(
  loaded: LoadedPolicy,
  gateway: TrialSequence["gateway"],
): CompiledPolicy | string {
  if (gateway === undefined) return loaded.compiled;
  const compiled = compilePolicy(loaded.document, {
    gateway: { id: gateway.id ?? "local", name: gateway.name ?? loaded.document.gateway.name },
  });
  return compiled.ok ? compiled.compiled : compiled.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
}

/**
 * Decides one step the way the gateway would: a request goes through the connector
 * registry (no connector → `no_connector`, unmappable → the connector's code), then the
 * engine. Returns the printable result and the rate-limit state for the next step.
 */
export function decideStep(
  ctx: TrialContext,
  step: TrialStep,
  rateState: RateState | undefined,
): { output: Record<string, unknown>; rateState: RateState | undefined } {
  const agent = step.agent ?? ctx.defaultAgent;
  const nowMs = step.at === undefined ? ctx.nowMs : Date.parse(step.at);
  const refused = (fields: Record<string, unknown>) => ({
    output: {
      decision: "deny",
      enforced: ctx.mode === "monitor" ? "allow" : "deny",
      mode: ctx.mode,
      ...fields,
    },
    rateState,
  });
  let actions: Action[];
  let connector: string | undefined;
  if (step.request !== undefined) {
    const { method, url, headers = {}, body } = step.request;
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const built = snapshotFromRequest(
      `${method} ${url}`,
      Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      text,
    );
    if (!built.ok) return refused({ code: "bad_request", explanation: built.message });
    const { body: _body, ...head } = built.snapshot;
    const bound = ctx.registry.match(head);
    if (!bound) {
      return refused({
        code: "no_connector",
        host: head.host,
        explanation: `denied: no connector is configured for host \`${head.host}\` (deny-all default)`,
      });
    }
    connector = bound.name;
    const parsed = bound.parse(built.snapshot);
    if (!parsed.ok) {
      return refused({
        connector,
        code: parsed.code,
        explanation: `denied: connector \`${bound.name}\` could not map this request to an action: ${parsed.message}`,
      });
    }
    actions = parsed.actions;
  } else {
    actions = step.actions ?? [step.action as Action];
  }
  const evaluated = evaluate(ctx.compiled, actions.length === 1 ? (actions[0] as Action) : actions, {
    agent,
    nowMs,
    ...(rateState === undefined ? {} : { rateState }),
    killSwitches: ctx.killSwitches,
  });
  const decision = evaluated.decision;
  const top = decision.reasons[0];
  return {
    output: {
      ...(actions.length === 1 ? { action: actions[0] } : { actions }),
      ...(connector === undefined ? {} : { connector }),
      decision: decision.decision,
      enforced: decision.enforced,
      mode: decision.mode,
      rule: top === undefined ? null : ruleName(top),
      explanation: explainDecision(decision),
      ...rest(decision),
    },
    rateState: evaluated.rateState,
  };
}

function rest(decision: Decision): Omit<Decision, "decision" | "enforced" | "mode"> {
  const { decision: _d, enforced: _e, mode: _m, ...others } = decision;
  return others;
}
