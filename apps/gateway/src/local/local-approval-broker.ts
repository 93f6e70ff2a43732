import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { makeId } from "@tameflare/contracts";
import type {
  ApprovalBroker,
  ApprovalOutcome,
  ApprovalRequest,
  HeldApproval,
} from "../ports/approval-broker.ts";
import {
  type ApprovalDecisionFile,
  type ApprovalRecord,
  approvalDecisionPath,
  approvalDecisionSchema,
  approvalRecordPath,
  approvalsDir,
} from "./approvals-store.ts";
import { readJsonIfExists, watchDirectory, writeJsonAtomic, writeJsonExclusive } from "./fs-util.ts";

interface Pending {
  resolve: (outcome: ApprovalOutcome) => void;
  timer: NodeJS.Timeout;
  checking: boolean;
}

/**
 * ApprovalBroker over TF_HOME files: the gateway writes `approvals/<id>.json`, any process
 * decides by creating `approvals/<id>.decision.json` (first writer wins). One watcher
 * (fs.watch + 250 ms poll) serves every held request of this gateway.
 */
export class LocalApprovalBroker implements ApprovalBroker {
  readonly #tfHome: string;
  readonly #pending = new Map<string, Pending>();
  readonly #onError: (message: string) => void;
  #stopWatching: (() => void) | undefined;

  constructor(tfHome: string, onError: (message: string) => void) {
    this.#tfHome = tfHome;
    this.#onError = onError;
  }

  async create(request: ApprovalRequest): Promise<HeldApproval> {
    const dir = approvalsDir(this.#tfHome);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.#stopWatching ??= watchDirectory(dir, (filename) => this.#onChange(filename));
    const id = makeId("approval", randomBytes(16));
    const now = Date.now();
    const expiresAtMs = now + request.timeoutSeconds * 1000;
    const first = request.actions[0];
    if (!first) throw new Error("approvals: a held request needs an action");
    const record: ApprovalRecord = {
      id,
      status: "pending",
      action: first,
      ...(request.actions.length > 1 ? { actions: request.actions } : {}),
      agent: request.agent,
      gateway: request.gatewayId,
      rule: request.rule,
      reason: request.reason,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(expiresAtMs).toISOString(),
      request_id: request.requestId,
    };
    await writeJsonAtomic(approvalRecordPath(this.#tfHome, id), record, 0o644);
    const outcome = new Promise<ApprovalOutcome>((resolve) => {
      const timer = setTimeout(() => void this.#expire(id), Math.max(0, expiresAtMs - Date.now()));
      this.#pending.set(id, { resolve, timer, checking: false });
    });
    return {
      id,
      expiresAt: record.expires_at,
      outcome,
      cancel: (status, by, note) => this.#cancel(id, status, by, note),
    };
  }

  async close(): Promise<void> {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.resolve({ status: "cancelled", id, by: "gateway", note: "the gateway stopped" });
    }
    this.#pending.clear();
  }

  #onChange(filename: string | undefined): void {
    if (filename !== undefined) {
      const id = filename.endsWith(".decision.json")
        ? filename.slice(0, -".decision.json".length)
        : undefined;
      if (id !== undefined && this.#pending.has(id)) void this.#check(id);
      return;
    }
    for (const id of this.#pending.keys()) void this.#check(id);
  }

  async #check(id: string): Promise<void> {
    const p = this.#pending.get(id);
    if (!p || p.checking) return;
    p.checking = true;
    try {
      const decision = await this.#readDecision(id);
      if (decision) this.#settle(id, decision);
    } catch (error) {
      this.#onError(`approvals: cannot read the decision of \`${id}\`: ${(error as Error).message}`);
    } finally {
      p.checking = false;
    }
  }

  async #readDecision(id: string): Promise<ApprovalDecisionFile | undefined> {
    const raw = await readJsonIfExists(approvalDecisionPath(this.#tfHome, id));
    return raw === undefined ? undefined : approvalDecisionSchema.parse(raw);
  }

  #settle(id: string, d: ApprovalDecisionFile): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    const by = d.by ?? "unknown";
    const note = d.note !== undefined ? { note: d.note } : {};
    if (d.status === "expired") p.resolve({ status: "expired", id });
    else p.resolve({ status: d.status, id, by, ...note });
  }

  async #expire(id: string): Promise<void> {
    await this.#writeOutcome(id, { status: "expired", by: "gateway", decided_at: new Date().toISOString() });
  }

  async #cancel(id: string, status: "denied" | "cancelled", by: string, note: string): Promise<void> {
    await this.#writeOutcome(id, { status, by, note, decided_at: new Date().toISOString() });
  }

  /** Writes the gateway's outcome unless a decision already won; settles with whichever won. */
  async #writeOutcome(id: string, decision: ApprovalDecisionFile): Promise<void> {
    if (!this.#pending.has(id)) return;
    try {
      const won = await writeJsonExclusive(approvalDecisionPath(this.#tfHome, id), decision, 0o644);
      const winner = won ? decision : await this.#readDecision(id);
      if (winner) this.#settle(id, winner);
    } catch (error) {
      // Unwritable TF_HOME: the request must still end, and never as approved.
      this.#onError(`approvals: cannot record the outcome of \`${id}\`: ${(error as Error).message}`);
      this.#settle(id, decision);
    }
  }
}
