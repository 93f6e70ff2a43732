import { createHash } from "node:crypto";
import { type AuditEvent, auditGenesisHash, auditHashInput, type Role } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";
import { sessionTtlMs } from "../services/auth/session-cookie.ts";
import { issueToken } from "../services/shared/tokens.ts";

let counter = 0;
/** A short unique suffix for names and emails in one test run. */
export function uniqueSuffix(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** An organization made directly through the repository (no owner). */
export async function seedOrg(deps: AppDeps, name = "Org"): Promise<string> {
  const created = await deps.repos.organizations.create({
    name,
    slug: `${name.toLowerCase()}-${uniqueSuffix()}`,
  });
  if (!created.ok) throw new Error(created.message);
  return created.value.id;
}

/**
 * A user with memberships and a live session, made through the repositories (no password:
 * fast, for tests that exercise procedures rather than the login itself).
 */
export async function seedUserSession(
  deps: AppDeps,
  memberships: Array<{ orgId: string; role: Role }>,
  email = `user-${uniqueSuffix()}@example.com`,
): Promise<{ userId: string; email: string; session: string }> {
  const created = await deps.repos.users.create({ email });
  if (!created.ok) throw new Error(created.message);
  for (const m of memberships) {
    const added = await deps.repos.memberships.add({
      orgId: m.orgId,
      userId: created.value.id,
      role: m.role,
    });
    if (!added.ok) throw new Error(added.message);
  }
  const issued = issueToken(deps.randomBytes, "tfses");
  await deps.repos.sessions.create({
    userId: created.value.id,
    tokenHash: issued.hash,
    expiresAt: new Date(deps.clock().getTime() + sessionTtlMs),
    activeOrgId: memberships[0]?.orgId ?? null,
  });
  return { userId: created.value.id, email: created.value.email, session: issued.token };
}

/** Fields of a test audit event; the rest get plain defaults (an allowed GET by `bot`). */
export type AuditEventSeed = Partial<AuditEvent> & { ts: string };

/** Stores a gateway's events as one hash chain starting at seq 0 (as if shipped by the gateway). */
export async function seedAuditEvents(
  deps: AppDeps,
  orgId: string,
  gatewayId: string,
  events: AuditEventSeed[],
): Promise<AuditEvent[]> {
  let prev = auditGenesisHash;
  const chain: AuditEvent[] = events.map((e, seq) => {
    const body = {
      id: `evt_${uniqueSuffix().replace(/[^A-Za-z0-9]/g, "")}${seq}`,
      gateway_id: gatewayId,
      seq,
      agent: "bot",
      connector: "github",
      action_type: "github.repo.get",
      decision: "allow" as const,
      enforced: "allow" as const,
      mode: "full" as const,
      reason: null,
      rule: null,
      risk: "medium" as const,
      risk_score: 10,
      status: 200,
      latency_ms: 5,
      method: "GET",
      host: "api.github.com",
      path: "/",
      request_id: `req_${seq}`,
      approval_id: null,
      error_code: null,
      bytes_in: 0,
      bytes_out: 0,
      prev_hash: prev,
      ...e,
    };
    const hash = createHash("sha256").update(auditHashInput(body)).digest("hex");
    prev = hash;
    return { ...body, hash };
  });
  const inserted = await deps.repos.audit.insertBatch({ orgId, gatewayId }, chain);
  if (!inserted.ok) throw new Error(inserted.message);
  return chain;
}
