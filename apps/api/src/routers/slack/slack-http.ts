import type http from "node:http";
import type { Approval } from "@tameflare/contracts";
import { withTransaction } from "@tameflare/db";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import { sendJson } from "../../http/server.ts";
import {
  canDecide,
  createApprovalsService,
  type DecideOutcome,
} from "../../services/approvals/approvals-service.ts";
import { createLinkSigner, type LinkClaims, linkSigningKey } from "../../services/slack/slack-links.ts";
import { createSlackService, slackActionIds } from "../../services/slack/slack-service.ts";
import { slackSignatureWindowSeconds, verifySlackSignature } from "../../services/slack/slack-signature.ts";
import { resolvePrincipal } from "../../trpc/context.ts";

const linkPath = /^\/slack\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(\/confirm)?$/;
const maxInteractiveBodyBytes = 64 * 1024;

const noStore = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex",
};

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  for (const [k, v] of Object.entries(noStore)) res.setHeader(k, v);
  sendJson(res, status, body);
}

function problem(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: object = {},
): void {
  reply(res, status, { error: { code, message, ...extra } });
}

/** What a link page shows of an approval (the held action; who asked; its state). */
function approvalView(a: Approval) {
  return {
    id: a.id,
    status: a.status,
    gateway_id: a.gatewayId,
    agent: a.agent,
    action_type: a.actionType,
    connector: a.connector,
    action: a.action,
    rule: a.rule,
    reason: a.reason,
    risk_score: a.riskScore,
    requested_at: a.requestedAt,
    expires_at: a.expiresAt,
    decided_at: a.decidedAt,
    decided_by: a.decidedBy,
    decided_via: a.decidedVia,
    note: a.note,
  };
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const interactivePayloadSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: z.string().min(1).max(64) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(300).optional() })).min(1),
});

/**
 * Slack's HTTP endpoints:
 * - `GET /slack/approvals/:token`: describes the approval and the decision the signed link
 *   proposes (the dashboard's confirmation page renders it). Never changes anything, so link
 *   previews and scanners cannot decide.
 * - `POST /slack/approvals/:token/confirm`: applies the decision once (the link's nonce is
 *   recorded in the same transaction); `decided_by` is the signed-in member when a session
 *   cookie admits them, else `slack-link`. Used again: 409; expired: 410; forged: 400.
 * - `POST /slack/interactive`: Slack's interactive buttons, verified with the organization's
 *   signing secret (v0 HMAC, 5-minute window, each signature accepted once).
 */
export function createSlackHttpHandler(deps: AppDeps) {
  const approvals = createApprovalsService(deps);
  const slack = createSlackService(deps);

  async function verifyLink(res: http.ServerResponse, token: string): Promise<LinkClaims | null> {
    const key = linkSigningKey(deps.env);
    if (key === null) {
      problem(res, 503, "unavailable", "approval links are not configured on this server");
      return null;
    }
    const verified = await createLinkSigner(key).verify(token, deps.clock());
    if (!verified.ok) {
      if (verified.code === "expired") problem(res, 410, "link_expired", "this link has expired");
      else problem(res, 400, "invalid_link", "this link is not valid");
      return null;
    }
    return verified.value;
  }

  async function showLink(res: http.ServerResponse, token: string): Promise<void> {
    const claims = await verifyLink(res, token);
    if (claims === null) return;
    const approval = await deps.repos.approvals.findById(claims.orgId, claims.approvalId);
    if (approval === null) return problem(res, 404, "not_found", "this approval no longer exists");
    if (await deps.repos.slack.isLinkNonceUsed(claims.nonce)) {
      return problem(res, 409, "link_used", "this link was already used", {
        approval: approvalView(approval),
      });
    }
    reply(res, 200, {
      approval: approvalView(approval),
      proposed_decision: claims.decision,
      link_expires_at: claims.expiresAt.toISOString(),
      confirm: { method: "POST", path: `/slack/approvals/${token}/confirm` },
    });
  }

  async function confirmLink(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    token: string,
  ): Promise<void> {
    const claims = await verifyLink(res, token);
    if (claims === null) return;
    const approval = await deps.repos.approvals.findById(claims.orgId, claims.approvalId);
    if (approval === null) return problem(res, 404, "not_found", "this approval no longer exists");
    const decidedBy = await signedInDecider(req, claims.orgId, approval);
    const result = await withTransaction(deps.db.prisma, async (repos): Promise<DecideOutcome | "used"> => {
      const fresh = await repos.slack.consumeLinkNonce({
        nonce: claims.nonce,
        orgId: claims.orgId,
        approvalId: claims.approvalId,
        action: claims.decision,
        expiresAt: claims.expiresAt,
      });
      if (!fresh) return "used";
      return approvals.settle(
        {
          orgId: claims.orgId,
          approvalId: claims.approvalId,
          decision: claims.decision,
          decidedBy,
          via: "slack_link",
        },
        { repos },
      );
    });
    if (result === "used") {
      const current = (await deps.repos.approvals.findById(claims.orgId, claims.approvalId)) ?? approval;
      return problem(res, 409, "link_used", "this link was already used", {
        approval: approvalView(current),
      });
    }
    await approvals.announce(result, "slack_link");
    reply(res, 200, { outcome: result.outcome, approval: approvalView(result.approval) });
  }

  /** The signed-in member confirming the link, when their role may decide this approval; else `slack-link`. */
  async function signedInDecider(
    req: http.IncomingMessage,
    orgId: string,
    approval: Approval,
  ): Promise<string> {
    if (req.headers.cookie === undefined) return "slack-link";
    const { principal } = await resolvePrincipal(deps, { cookie: req.headers.cookie });
    if (principal.kind !== "user") return "slack-link";
    const membership = await deps.repos.memberships.find(orgId, principal.user.id);
    if (membership === null || !canDecide(membership.role, approval.approverRoles)) return "slack-link";
    return principal.user.id;
  }

  async function interactive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req, maxInteractiveBodyBytes);
    if (raw === null) return problem(res, 413, "too_large", "the request body is too large");
    const timestamp = header(req, "x-slack-request-timestamp");
    const signature = header(req, "x-slack-signature");
    const now = deps.clock();
    if (timestamp === undefined || signature === undefined) {
      return problem(res, 401, "unsigned", "the request carries no Slack signature");
    }
    if (
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(now.getTime() / 1000 - Number(timestamp)) > slackSignatureWindowSeconds
    ) {
      return problem(res, 401, "stale", "the Slack request timestamp is outside the 5-minute window");
    }
    // The payload is read before it is verified only to find whose signing secret verifies it.
    let payload: z.infer<typeof interactivePayloadSchema>;
    try {
      const parsed = interactivePayloadSchema.safeParse(
        JSON.parse(new URLSearchParams(raw.toString("utf8")).get("payload") ?? ""),
      );
      if (!parsed.success) return problem(res, 400, "bad_payload", "not a block_actions payload");
      payload = parsed.data;
    } catch (cause) {
      deps.log.warn(`slack interactive: unreadable payload: ${String(cause)}`);
      return problem(res, 400, "bad_payload", "the payload is not JSON");
    }
    const action = payload.actions.find(
      (a) => a.action_id === slackActionIds.approve || a.action_id === slackActionIds.deny,
    );
    const [orgId, approvalId] = (action?.value ?? "").split("/");
    if (
      action === undefined ||
      orgId === undefined ||
      approvalId === undefined ||
      orgId === "" ||
      approvalId === ""
    ) {
      return problem(res, 400, "bad_payload", "no TameFlare action in the payload");
    }
    const secret = await slack.signingSecret(orgId);
    if (secret === null) return problem(res, 401, "bad_signature", "the Slack signature does not match");
    const verified = verifySlackSignature({ signingSecret: secret, timestamp, signature, rawBody: raw, now });
    if (!verified.ok) {
      return problem(res, 401, verified.code === "stale" ? "stale" : "bad_signature", verified.message);
    }
    const decision = action.action_id === slackActionIds.approve ? "approve" : "deny";
    const result = await withTransaction(
      deps.db.prisma,
      async (repos): Promise<DecideOutcome | "replayed"> => {
        const fresh = await repos.slack.consumeLinkNonce({
          nonce: `slack-signature:${signature}`,
          orgId,
          approvalId,
          action: `interactive:${decision}`,
          expiresAt: new Date((verified.value.timestamp + slackSignatureWindowSeconds) * 1000),
        });
        if (!fresh) return "replayed";
        return approvals.settle(
          { orgId, approvalId, decision, decidedBy: `slack:${payload.user.id}`, via: "slack_interactive" },
          { repos },
        );
      },
    );
    if (result === "replayed") return problem(res, 409, "replayed", "this Slack request was already handled");
    await approvals.announce(result, "slack_interactive");
    const a = result.approval;
    const text =
      result.outcome === "decided"
        ? `${a.status === "approved" ? "Approved" : "Denied"} by <@${payload.user.id}>: \`${a.actionType}\` (\`${a.id}\`)`
        : `\`${a.id}\` was already ${a.status}${a.decidedBy === null ? "" : ` (${a.decidedBy})`}`;
    reply(res, 200, { response_type: "in_channel", replace_original: false, text });
  }

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/slack/interactive") {
      if (req.method !== "POST") {
        res.writeHead(405, { allow: "POST" }).end();
        return true;
      }
      await interactive(req, res);
      return true;
    }
    if (!path.startsWith("/slack/approvals/")) return false;
    const match = linkPath.exec(path);
    if (match === null || match[1] === undefined) {
      problem(res, 400, "invalid_link", "this link is not valid");
      return true;
    }
    const token = match[1];
    const confirm = match[2] !== undefined;
    if (confirm && req.method === "POST") await confirmLink(req, res, token);
    else if (!confirm && (req.method === "GET" || req.method === "HEAD")) await showLink(res, token);
    else res.writeHead(405, { allow: confirm ? "POST" : "GET" }).end();
    return true;
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
