import { type GatewayApprovalState, gatewayApprovalStateSchema } from "@tameflare/contracts";
import type {
  ApprovalBroker,
  ApprovalOutcome,
  ApprovalRequest,
  HeldApproval,
} from "../ports/approval-broker.ts";
import { ApiError, backoffMs, type GatewayApiClient, pause } from "./api-client.ts";

export interface RemoteApprovalBrokerOptions {
  client: GatewayApiClient;
  logger: (line: string) => void;
  /** How long a held request keeps trying to create its approval while the API is unreachable. Default 10 s. */
  createTimeoutMs?: number;
  /** One `approvals.wait` long-poll at most (the API caps it at 25 s). */
  waitMs?: number;
  /** After `expires_at` with no answer from the API, the request ends as expired this much later. Default 5 s. */
  expiryGraceMs?: number;
}

interface Waiting {
  settle: (outcome: ApprovalOutcome) => void;
  abort: AbortController;
}

const createAnswerSchema = gatewayApprovalStateSchema;

/**
 * The connected mode's ApprovalBroker: a held request becomes an approval in the API
 * (`approvals.create`, idempotent by request id), and the gateway long-polls
 * `approvals.wait` until a person (dashboard, Slack, `tf`) decides, the approval expires
 * (→ 408) or a kill switch denies it (→ 403): the API denies pending approvals a kill switch
 * covers, and the gateway also denies held requests itself when the kill switch arrives in
 * its bundle. Never approves by itself: an unreachable API ends as expired.
 */
export class RemoteApprovalBroker implements ApprovalBroker {
  readonly #o: RemoteApprovalBrokerOptions;
  readonly #waiting = new Map<string, Waiting>();
  readonly #closing = new AbortController();

  constructor(options: RemoteApprovalBrokerOptions) {
    this.#o = options;
  }

  async create(request: ApprovalRequest): Promise<HeldApproval> {
    const action = request.actions[0];
    if (!action) throw new Error("approvals: a held request needs an action");
    const input = {
      request_id: request.requestId,
      agent: request.agent,
      action,
      rule: request.rule,
      reason: request.reason,
      timeout_seconds: request.timeoutSeconds,
      ...(request.approverRoles.length > 0 ? { approver_roles: request.approverRoles } : {}),
    };
    const deadline = Date.now() + (this.#o.createTimeoutMs ?? 10_000);
    let state: GatewayApprovalState | undefined;
    for (let attempt = 0; state === undefined; attempt++) {
      try {
        state = await this.#o.client.mutation("approvals.create", input, createAnswerSchema, {
          signal: this.#closing.signal,
        });
      } catch (error) {
        const retry = error instanceof ApiError && error.retryable && Date.now() < deadline;
        if (!retry || this.#closing.signal.aborted) {
          // The pipeline answers 500 gateway_error: a held request is never forwarded unapproved.
          throw new Error(`approvals: the API did not take the approval: ${(error as Error).message}`, {
            cause: error,
          });
        }
        await pause(backoffMs(attempt, 250, 2_000), this.#closing.signal);
      }
    }
    const id = state.approval_id;
    const abort = new AbortController();
    let settle!: (outcome: ApprovalOutcome) => void;
    const outcome = new Promise<ApprovalOutcome>((resolve) => {
      settle = (o) => {
        if (!this.#waiting.has(id)) return;
        this.#waiting.delete(id);
        abort.abort();
        resolve(o);
      };
    });
    this.#waiting.set(id, { settle, abort });
    const first = outcomeOf(state);
    if (first !== undefined) settle(first);
    else void this.#wait(id, state.expires_at, abort.signal);
    return {
      id,
      expiresAt: state.expires_at,
      outcome,
      cancel: async (status, by, note) => {
        // No gateway-side cancel exists in the API: the approval there expires on its own (or
        // was already denied by the kill switch). The held request ends here at once.
        this.#waiting.get(id)?.settle({ status, id, by, note });
      },
    };
  }

  async close(): Promise<void> {
    this.#closing.abort();
    for (const [id, w] of this.#waiting)
      w.settle({ status: "cancelled", id, by: "gateway", note: "the gateway stopped" });
  }

  async #wait(id: string, expiresAt: string, signal: AbortSignal): Promise<void> {
    const expiresAtMs = Date.parse(expiresAt);
    const graceMs = this.#o.expiryGraceMs ?? 5_000;
    let attempt = 0;
    let lastProblem: string | undefined;
    while (!signal.aborted) {
      try {
        const state = await this.#o.client.query(
          "approvals.wait",
          { approval_id: id, timeout_ms: this.#o.waitMs ?? 25_000 },
          gatewayApprovalStateSchema,
          { signal, timeoutMs: (this.#o.waitMs ?? 25_000) + 10_000 },
        );
        attempt = 0;
        const outcome = outcomeOf(state);
        if (outcome !== undefined) return this.#waiting.get(id)?.settle(outcome);
      } catch (error) {
        if (signal.aborted) return;
        const message = (error as Error).message;
        if (message !== lastProblem) {
          lastProblem = message;
          this.#o.logger(`approvals: waiting for \`${id}\`: ${message}; retrying`);
        }
        if (error instanceof ApiError && !error.retryable && error.status === 404) {
          return this.#waiting.get(id)?.settle({ status: "expired", id });
        }
        await pause(backoffMs(attempt++, 250, 5_000), signal);
      }
      if (Date.now() > expiresAtMs + graceMs) return this.#waiting.get(id)?.settle({ status: "expired", id });
    }
  }
}

function outcomeOf(state: GatewayApprovalState): ApprovalOutcome | undefined {
  const id = state.approval_id;
  const by = state.decided_by ?? "unknown";
  const note = state.note === null ? {} : { note: state.note };
  switch (state.status) {
    case "pending":
      return undefined;
    case "approved":
      return { status: "approved", id, by, ...note };
    case "denied":
      return { status: "denied", id, by, ...note };
    case "expired":
      return { status: "expired", id };
    case "cancelled":
      return { status: "cancelled", id, by, ...note };
  }
}
