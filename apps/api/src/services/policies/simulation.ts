import type { Action, AuditEventRecord, DecisionKind, RequestSnapshot } from "@tameflare/contracts";
import { evaluate, explainDecision, type RateLimitState } from "@tameflare/policy-engine";
import type { CompiledDraft } from "./evaluation.ts";

/** What simulation can and cannot know, returned with every report. */
export const simulationLimitations =
  "audited events keep the action type, connector, method, host and path but never bodies or parameters: " +
  "each event is re-parsed from its method, host and path by the draft's connectors (recovering path and " +
  "query parameters) and otherwise decided on its type alone, so conditions on body parameters see them as absent; " +
  "runtime kill switches are not applied";

export interface Transition {
  actionType: string;
  connector: string | null;
  from: string;
  to: DecisionKind;
  count: number;
}

export interface SimulationExample {
  eventId: string;
  ts: string;
  agent: string;
  actionType: string;
  connector: string | null;
  from: string;
  to: DecisionKind;
  explanation: string;
}

export interface SimulationTally {
  evaluated: number;
  changed: number;
  /** Events without an action (no connector, unreadable request): nothing to re-decide. */
  skipped: number;
  /** Evaluated with parameters recovered from the recorded path, vs. on the type alone. */
  reparsed: number;
  typeOnly: number;
  transitions: Transition[];
  examples: SimulationExample[];
}

const maxExamples = 20;
const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Re-decides audited events (oldest first, so rate limits replay in order) under a draft
 * and tallies old → new decisions per action type.
 */
export function simulateEvents(draft: CompiledDraft, events: readonly AuditEventRecord[]): SimulationTally {
  const tally: SimulationTally = {
    evaluated: 0,
    changed: 0,
    skipped: 0,
    reparsed: 0,
    typeOnly: 0,
    transitions: [],
    examples: [],
  };
  const byKey = new Map<string, Transition>();
  let rateState: RateLimitState | undefined;
  for (const event of events) {
    if (event.action_type === null) {
      tally.skipped += 1;
      continue;
    }
    const recovered = reparse(draft, event);
    if (recovered === undefined) tally.typeOnly += 1;
    else tally.reparsed += 1;
    const action: Action = recovered ?? {
      type: event.action_type,
      connector: event.connector ?? "",
      resource: event.path,
      parameters: {},
      risk: event.risk ?? "medium",
      read: readMethods.has(event.method.toUpperCase()),
    };
    const nowMs = Date.parse(event.ts);
    const result = evaluate(draft.compiled, action, {
      agent: event.agent,
      nowMs,
      ...(rateState === undefined ? {} : { rateState }),
    });
    rateState = result.rateState;
    tally.evaluated += 1;
    const to = result.decision.decision;
    const from = event.decision;
    const key = `${event.action_type}\u0000${event.connector ?? ""}\u0000${from}\u0000${to}`;
    const transition = byKey.get(key) ?? {
      actionType: event.action_type,
      connector: event.connector,
      from,
      to,
      count: 0,
    };
    transition.count += 1;
    byKey.set(key, transition);
    if (from !== to) {
      tally.changed += 1;
      if (tally.examples.length < maxExamples) {
        tally.examples.push({
          eventId: event.id,
          ts: event.ts,
          agent: event.agent,
          actionType: event.action_type,
          connector: event.connector,
          from,
          to,
          explanation: explainDecision(result.decision),
        });
      }
    }
  }
  tally.transitions = [...byKey.values()].sort(
    (a, b) =>
      Number(b.from !== b.to) - Number(a.from !== a.to) ||
      b.count - a.count ||
      a.actionType.localeCompare(b.actionType),
  );
  return tally;
}

/** The action re-parsed from the recorded request line, when it yields the recorded type. */
function reparse(draft: CompiledDraft, event: AuditEventRecord): Action | undefined {
  const question = event.path.indexOf("?");
  const snapshot: RequestSnapshot = {
    method: event.method,
    scheme: "https",
    host: event.host,
    port: 443,
    path: question === -1 ? event.path : event.path.slice(0, question),
    query: question === -1 ? "" : event.path.slice(question + 1),
    headers: { host: event.host },
  };
  // Connectors that read bodies still parse the request line; body fields are simply absent.
  const bound = draft.registry.match(snapshot);
  if (bound === undefined) return undefined;
  const parsed = bound.parse(snapshot);
  if (!parsed.ok) return undefined;
  return parsed.actions.find((a) => a.type === event.action_type);
}
