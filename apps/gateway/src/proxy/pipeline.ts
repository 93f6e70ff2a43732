import type { Readable } from "node:stream";
import type {
  Action,
  CredentialInjection,
  Decision,
  DecisionReason,
  KillSwitch,
  RequestSnapshot,
  RiskLevel,
} from "@tameflare/contracts";
import {
  activeKillSwitch,
  type BoundConnector,
  evaluate,
  explainDecision,
  injectCredential,
  type RateState,
  type RequestHead,
} from "../config/engine.ts";
import type { KillSwitchFile } from "../local/kill-switch-store.ts";
import type { ApprovalBroker, HeldApproval } from "../ports/approval-broker.ts";
import type { PolicySnapshot, PolicySource } from "../ports/policy-source.ts";
import { type AgentErrorResponse, agentError } from "./agent-errors.ts";
import { type BodyPrefix, prefixText, readBodyPrefix } from "./body-prefix.ts";
import type { Exchange } from "./exchange.ts";
import { authorityOf, isExcluded, type Target } from "./target.ts";
import type { UpstreamOrigin } from "./upstream.ts";

/** The request as the lifecycle sees it (identity already established). */
export interface IncomingExchange {
  method: string;
  target: Target;
  /** Lower-cased, repeated headers kept (no proxy credentials). */
  headers: Record<string, string | string[]>;
  upgrade: boolean;
  /** The body as a stream; called only when a connector needs the body's start. */
  body(): Readable;
  /**
   * A signal aborted when the agent goes away (a held request then stops waiting). A
   * function, called only by a held request: most requests never need one.
   */
  gone(): AbortSignal;
}

/** What the lifecycle decided: answer the agent with an error, forward, or nothing (agent gone). */
export type Verdict =
  | { kind: "answer"; error: AgentErrorResponse }
  | { kind: "gone" }
  | {
      kind: "forward";
      snapshot: PolicySnapshot;
      origin: UpstreamOrigin;
      /** Path and query for the upstream request line (with an override's base path). */
      pathWithQuery: string;
      /** Host header for an `upstream` override. */
      hostHeader: string | undefined;
      strip: ReadonlySet<string>;
      inject: { name: string; value: string } | undefined;
      /** The real secret (and its rendered header value): redacted from what comes back. */
      secrets: string[];
      prefix: BodyPrefix | undefined;
    };

interface RenderedInjection {
  secret: string;
  strip: ReadonlySet<string>;
  inject: { name: string; value: string };
  /** The same array for every request with this credential (the forwarder caches by it). */
  secrets: string[];
}

type EvaluateContext = Parameters<typeof evaluate>[2];

interface Held {
  approval: HeldApproval;
  connector: string;
  killedBy: KillSwitch | undefined;
}

export interface PipelineOptions {
  gatewayId: string;
  policy: PolicySource;
  killSwitches: KillSwitchFile;
  broker: ApprovalBroker;
  log: (line: string) => void;
}

const riskOrder: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };
const noStrip: ReadonlySet<string> = new Set();
const noSecrets: string[] = [];

/**
 * The request lifecycle of DESIGN.md up to the forwarding decision: kill switch →
 * connector → (body prefix) → action → policy → enforcement (hold for a human when
 * required). Every outcome is a value; nothing here forwards by accident.
 */
export class Pipeline {
  readonly #o: PipelineOptions;
  #rateState: RateState | undefined;
  readonly #held = new Set<Held>();
  readonly #injections = new WeakMap<CredentialInjection, RenderedInjection>();
  readonly #origins = new Map<string, UpstreamOrigin | undefined>();

  constructor(options: PipelineOptions) {
    this.#o = options;
  }

  get heldCount(): number {
    return this.#held.size;
  }

  /**
   * Decides a request. Synchronous unless the connector needs the body prefix or a human
   * must approve: most requests (a GET) are decided without a promise or a microtask turn.
   * May throw (a fault in the lifecycle): the caller answers 500, never forwards.
   */
  decide(x: Exchange, req: IncomingExchange): Verdict | Promise<Verdict> {
    const id = x.requestId;
    const snapshot = this.#o.policy.current();
    if (!snapshot) {
      x.decision = "error";
      x.errorCode = "no_policy";
      return { kind: "answer", error: agentError("no_policy", id) };
    }
    const mode = snapshot.document.gateway.enforcement;
    x.mode = mode;
    const t = req.target;
    const runtimeSwitches = this.#o.killSwitches.current();
    if (isExcluded(t.host, snapshot.document.exclude_domains)) {
      // Like NO_PROXY: no connector, no policy, no credential; only a global kill switch stops it.
      const ks = activeKillSwitch(snapshot.compiled, {}, runtimeSwitches);
      if (ks) return this.#killSwitchAnswer(x, ks);
      x.decision = "bypass";
      x.reason = `\`${t.host}\` is in \`exclude_domains\`: forwarded without inspection`;
      return this.#forward(x, snapshot, undefined, t, undefined, undefined);
    }
    const head = headOf(req);
    const contentType = req.headers["content-type"];
    if (typeof contentType === "string") head.contentType = contentType;
    const bound = snapshot.registry.match(head);
    x.connector = bound?.name ?? null;

    const ks = activeKillSwitch(snapshot.compiled, bound ? { connector: bound.name } : {}, runtimeSwitches);
    if (ks) return this.#killSwitchAnswer(x, ks);

    if (!bound) {
      x.decision = "deny";
      x.reason = `no connector is configured for host \`${t.host}\` (deny-all default)`;
      if (mode === "monitor") {
        x.enforced = "allow";
        return this.#forward(x, snapshot, undefined, t, undefined, undefined);
      }
      x.enforced = "deny";
      x.errorCode = "no_connector";
      return { kind: "answer", error: agentError("no_connector", id, undefined, { host: t.host }) };
    }

    if (bound.needsBody(head)) return this.#decideWithBody(x, req, snapshot, bound, head, runtimeSwitches);
    return this.#conclude(x, req, snapshot, bound, head, head, undefined, runtimeSwitches);
  }

  async #decideWithBody(
    x: Exchange,
    req: IncomingExchange,
    snapshot: PolicySnapshot,
    bound: BoundConnector,
    head: RequestHead,
    runtimeSwitches: KillSwitch[],
  ): Promise<Verdict> {
    const limits = snapshot.document.limits;
    const prefix = await readBodyPrefix(req.body(), limits.body_prefix_bytes);
    if (!prefix) return this.#gone(x);
    const declared = Number(req.headers["content-length"]);
    const snap: RequestSnapshot = {
      ...head,
      body: {
        text: prefixText(prefix, limits.body_prefix_bytes),
        truncated: !prefix.ended,
        ...(Number.isSafeInteger(declared) && declared >= 0 ? { totalBytes: declared } : {}),
      },
    };
    return this.#conclude(x, req, snapshot, bound, head, snap, prefix, runtimeSwitches);
  }

  /** Parse, evaluate, enforce: everything after the (optional) body prefix. */
  #conclude(
    x: Exchange,
    req: IncomingExchange,
    snapshot: PolicySnapshot,
    bound: BoundConnector,
    head: RequestHead,
    snap: RequestSnapshot,
    prefix: BodyPrefix | undefined,
    runtimeSwitches: KillSwitch[],
  ): Verdict | Promise<Verdict> {
    const id = x.requestId;
    const mode = snapshot.document.gateway.enforcement;
    const t = req.target;
    const limits = snapshot.document.limits;
    const truncated = prefix !== undefined && !prefix.ended;
    const parsed = bound.parse(snap);
    if (!parsed.ok) {
      x.decision = "deny";
      if (parsed.code === "bad_body" || parsed.code === "bad_request") {
        x.reason = parsed.message;
        if (mode === "monitor") return this.#monitorForward(x, snapshot, bound, t, prefix);
        x.enforced = "deny";
        x.errorCode = "bad_request";
        return { kind: "answer", error: agentError("bad_request", id, parsed.message) };
      }
      x.reason =
        parsed.code === "body_truncated"
          ? truncatedReason(limits.body_prefix_bytes)
          : `connector \`${bound.name}\` could not map this request to an action: ${parsed.message}`;
      if (mode === "monitor") return this.#monitorForward(x, snapshot, bound, t, prefix);
      x.enforced = "deny";
      x.errorCode = "denied";
      return { kind: "answer", error: agentError("denied", id, x.reason, { reason: x.reason }) };
    }
    const actions = parsed.actions;
    x.actionType = actions.length === 1 ? actions[0].type : actions.map((a) => a.type).join(",");
    x.risk = actions.reduce<RiskLevel>((r, a) => (riskOrder[a.risk] > riskOrder[r] ? a.risk : r), "low");

    if (truncated && limits.on_truncated_body === "deny") {
      x.decision = "deny";
      x.reason = `${truncatedReason(limits.body_prefix_bytes)}; \`limits.on_truncated_body\` is \`deny\``;
      if (mode === "monitor") return this.#monitorForward(x, snapshot, bound, t, prefix);
      x.enforced = "deny";
      x.errorCode = "denied";
      return {
        kind: "answer",
        error: agentError("denied", id, x.reason, { action: x.actionType, reason: x.reason }),
      };
    }

    const context: EvaluateContext = { agent: x.agent, nowMs: Date.now(), killSwitches: runtimeSwitches };
    if (this.#rateState !== undefined) context.rateState = this.#rateState;
    const evaluated = evaluate(snapshot.compiled, actions.length === 1 ? actions[0] : actions, context);
    this.#rateState = evaluated.rateState;
    const decision = evaluated.decision;
    const top = decision.reasons[0];
    x.decision = decision.decision;
    x.enforced = decision.enforced;
    x.mode = decision.mode;
    x.reason = top?.explanation ?? null;
    x.rule = top ? ruleName(top) : null;
    x.riskScore = decision.risk_score;

    switch (decision.enforced) {
      case "allow":
        return this.#forward(x, snapshot, bound, t, prefix, head);
      case "require_approval":
        return this.#hold(x, req, snapshot, bound, actions, decision, prefix);
      default:
        return this.#denyAnswer(x, decision);
    }
  }

  #denyAnswer(x: Exchange, decision: Decision): Verdict {
    const top = decision.reasons[0];
    const details = {
      ...(x.actionType !== null ? { action: x.actionType } : {}),
      ...(x.reason !== null ? { reason: x.reason } : {}),
      ...(x.rule !== null ? { rule: x.rule } : {}),
    };
    if (top?.source === "rate_limit") {
      x.errorCode = "rate_limited";
      const retry = decision.retry_after_seconds ?? 1;
      return {
        kind: "answer",
        error: agentError("rate_limited", x.requestId, explainDecision(decision), {
          ...details,
          retry_after_seconds: retry,
        }),
      };
    }
    if (top?.source === "kill_switch") {
      x.errorCode = "kill_switch";
      return {
        kind: "answer",
        error: agentError("kill_switch", x.requestId, explainDecision(decision), details),
      };
    }
    x.errorCode = "denied";
    return { kind: "answer", error: agentError("denied", x.requestId, explainDecision(decision), details) };
  }

  #killSwitchAnswer(x: Exchange, ks: KillSwitch): Verdict {
    x.decision = "deny";
    x.enforced = "deny";
    x.errorCode = "kill_switch";
    x.rule = ks.id ?? `kill-switch:${ks.scope}${ks.target !== undefined ? `:${ks.target}` : ""}`;
    x.reason = killSwitchSentence(ks);
    return {
      kind: "answer",
      error: agentError("kill_switch", x.requestId, x.reason, { reason: x.reason, rule: x.rule }),
    };
  }

  #gone(x: Exchange): Verdict {
    x.errorCode = "client_closed";
    x.status = 499;
    return { kind: "gone" };
  }

  #monitorForward(
    x: Exchange,
    snapshot: PolicySnapshot,
    bound: BoundConnector,
    t: Target,
    prefix: BodyPrefix | undefined,
  ): Verdict {
    x.enforced = "allow";
    return this.#forward(x, snapshot, bound, t, prefix, undefined);
  }

  async #hold(
    x: Exchange,
    req: IncomingExchange,
    snapshot: PolicySnapshot,
    bound: BoundConnector,
    actions: Action[],
    decision: Decision,
    prefix: BodyPrefix | undefined,
  ): Promise<Verdict> {
    const approval = await this.#o.broker.create({
      requestId: x.requestId,
      agent: x.agent,
      gatewayId: this.#o.gatewayId,
      actions,
      rule: x.rule,
      reason: x.reason,
      timeoutSeconds: decision.approval?.timeout_seconds ?? snapshot.document.approvals.timeout_seconds,
      approverRoles: decision.approval?.approver_roles ?? [],
    });
    x.approvalId = approval.id;
    const held: Held = { approval, connector: bound.name, killedBy: undefined };
    this.#held.add(held);
    const onAbort = () => void approval.cancel("cancelled", "gateway", "the agent closed the connection");
    const signal = req.gone();
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) onAbort();
    let outcome: Awaited<HeldApproval["outcome"]>;
    try {
      outcome = await approval.outcome;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#held.delete(held);
    }
    const details = { approval_id: approval.id, ...(x.actionType !== null ? { action: x.actionType } : {}) };
    switch (outcome.status) {
      case "approved": {
        // The policy may have changed while the request waited: it goes out under the current one.
        const current = this.#o.policy.current();
        if (!current) {
          x.errorCode = "no_policy";
          return { kind: "answer", error: agentError("no_policy", x.requestId) };
        }
        const ks = activeKillSwitch(
          current.compiled,
          { connector: bound.name },
          this.#o.killSwitches.current(),
        );
        if (ks) return this.#killSwitchAnswer(x, ks);
        x.reason = `approved by ${outcome.by}${outcome.note ? `: ${outcome.note}` : ""}`;
        const rebound = current === snapshot ? bound : current.registry.match(headOf(req));
        if (!rebound) {
          x.errorCode = "no_connector";
          return {
            kind: "answer",
            error: agentError("no_connector", x.requestId, undefined, { host: req.target.host }),
          };
        }
        return this.#forward(x, current, rebound, req.target, prefix, headOf(req));
      }
      case "denied": {
        if (held.killedBy) return this.#killSwitchAnswer(x, held.killedBy);
        x.errorCode = "approval_denied";
        x.reason = `denied by ${outcome.by}${outcome.note ? `: ${outcome.note}` : ""}`;
        return {
          kind: "answer",
          error: agentError("approval_denied", x.requestId, `${outcome.by} denied this request`, {
            ...details,
            decided_by: outcome.by,
            ...(outcome.note !== undefined ? { note: outcome.note } : {}),
          }),
        };
      }
      case "expired":
        x.errorCode = "approval_expired";
        return {
          kind: "answer",
          error: agentError(
            "approval_expired",
            x.requestId,
            `nobody decided approval \`${approval.id}\` before it expired at ${approval.expiresAt}`,
            details,
          ),
        };
      default:
        return this.#gone(x);
    }
  }

  /**
   * Re-checks held requests against the kill switches (called when the kill-switch file or
   * the policy changes): a matching one is denied from the gateway's side.
   */
  recheckHeld(): void {
    if (this.#held.size === 0) return;
    const snapshot = this.#o.policy.current();
    const extra = this.#o.killSwitches.current();
    for (const held of this.#held) {
      if (held.killedBy) continue;
      const ks = snapshot
        ? activeKillSwitch(snapshot.compiled, { connector: held.connector }, extra)
        : ({ scope: "global", reason: "the gateway lost its policy" } as KillSwitch);
      if (!ks) continue;
      held.killedBy = ks;
      void held.approval.cancel("denied", "kill-switch", killSwitchSentence(ks));
    }
  }

  #forward(
    x: Exchange,
    snapshot: PolicySnapshot,
    bound: BoundConnector | undefined,
    t: Target,
    prefix: BodyPrefix | undefined,
    head: RequestHead | undefined,
  ): Verdict {
    const pathAndQuery = t.query === "" ? t.path : `${t.path}?${t.query}`;
    const override = bound?.config.upstream !== undefined ? this.#origin(bound.config.upstream) : undefined;
    const origin: UpstreamOrigin = override ?? { scheme: t.scheme, host: t.host, port: t.port, basePath: "" };
    let strip = noStrip;
    let inject: { name: string; value: string } | undefined;
    let secrets = noSecrets;
    const credential = bound ? snapshot.credentials.get(bound.name) : undefined;
    if (bound && credential) {
      if (!credential.ok) {
        x.errorCode = "credential_unavailable";
        return {
          kind: "answer",
          error: agentError(
            "gateway_error",
            x.requestId,
            `connector \`${bound.name}\` has no usable credential: ${credential.message}`,
          ),
        };
      }
      const injection = head ? bound.injectionFor(head) : bound.injection;
      const rendered = this.#rendered(injection, credential.secret);
      strip = rendered.strip;
      inject = rendered.inject;
      secrets = rendered.secrets;
    }
    return {
      kind: "forward",
      snapshot,
      origin,
      pathWithQuery: origin.basePath === "" ? pathAndQuery : `${origin.basePath}${pathAndQuery}`,
      hostHeader: override ? authorityOf(override.scheme, override.host, override.port) : undefined,
      strip,
      inject,
      secrets,
      prefix,
    };
  }

  /**
   * What an injection does with a secret (headers stripped, the header set, the strings to
   * redact), computed once per injection and secret: a credential changes only on reload.
   */
  #rendered(injection: CredentialInjection, secret: string): RenderedInjection {
    const hit = this.#injections.get(injection);
    if (hit && hit.secret === secret) return hit;
    const inject = injectedHeader(injection, secret);
    const trimmed = secret.trim();
    const rendered: RenderedInjection = {
      secret,
      strip: new Set([...injection.strip, injection.header].map((h) => h.toLowerCase())),
      inject,
      secrets: inject.value.includes(trimmed) ? [trimmed] : [trimmed, inject.value],
    };
    this.#injections.set(injection, rendered);
    return rendered;
  }

  #origin(upstream: string): UpstreamOrigin | undefined {
    if (this.#origins.has(upstream)) return this.#origins.get(upstream);
    let origin: UpstreamOrigin | undefined;
    try {
      const u = new URL(upstream);
      const scheme = u.protocol === "http:" ? "http" : "https";
      const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
      origin = {
        scheme,
        host,
        port: u.port === "" ? (scheme === "http" ? 80 : 443) : Number(u.port),
        basePath: u.pathname === "/" ? "" : u.pathname.replace(/\/$/, ""),
      };
    } catch (error) {
      this.#o.log(`policy: connector upstream \`${upstream}\` is not a URL: ${(error as Error).message}`);
    }
    this.#origins.set(upstream, origin);
    return origin;
  }
}

function headOf(req: IncomingExchange): RequestHead {
  const t = req.target;
  const head: RequestHead = {
    method: req.method,
    scheme: t.scheme,
    host: t.host,
    port: t.port,
    path: t.path,
    query: t.query,
    headers: req.headers,
  };
  if (req.upgrade) head.upgrade = true;
  return head;
}

/** The real credential's header, rendered by the connectors package's own injector. */
function injectedHeader(injection: CredentialInjection, secret: string): { name: string; value: string } {
  const value = injectCredential({}, injection, secret)[injection.header];
  return { name: injection.header, value: Array.isArray(value) ? (value[0] ?? "") : (value ?? "") };
}

function ruleName(reason: DecisionReason): string {
  return reason.rule !== undefined && reason.rule !== reason.id ? `${reason.id}/${reason.rule}` : reason.id;
}

function truncatedReason(cap: number): string {
  return `the request body is larger than the ${cap} bytes the gateway inspects (\`limits.body_prefix_bytes\`)`;
}

function killSwitchSentence(ks: KillSwitch): string {
  const where =
    ks.scope === "global"
      ? "all traffic"
      : ks.scope === "connector"
        ? `connector \`${ks.target}\``
        : `gateway \`${ks.target}\``;
  return `kill switch${ks.id ? ` \`${ks.id}\`` : ""} is active for ${where}${ks.reason ? `: ${ks.reason}` : ""}`;
}
