import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedTestDatabase, testBackends } from "../../../../tests/support/index.ts";
import { createRepositories, type Repositories } from "./index.ts";

const unique = () => randomBytes(5).toString("hex");
const at = (iso: string) => new Date(iso);

describe.each(testBackends)("identity repositories on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;
  beforeAll(async () => {
    opened = await backend.open();
    repos = createRepositories(opened.db.prisma);
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  async function newUser(email = `u-${unique()}@example.com`) {
    const created = await repos.users.create({ email, name: "Ada", passwordHash: "argon2id$hash" });
    if (!created.ok) throw new Error(created.message);
    return created.value;
  }

  it("organizations: slugs are unique and the creator becomes owner atomically", async () => {
    const user = await newUser();
    const slug = `acme-${unique()}`;
    const created = await repos.organizations.createWithOwner({ name: "Acme", slug, ownerUserId: user.id });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.organization.id).toMatch(/^org_[A-Za-z0-9]+$/);
    expect(created.value.membership.role).toBe("owner");

    const again = await repos.organizations.create({ name: "Other", slug });
    expect(again).toMatchObject({ ok: false, code: "conflict" });

    const slugX = `x-${unique()}`;
    const failed = await repos.organizations.createWithOwner({
      name: "X",
      slug: slugX,
      ownerUserId: "usr_nope0000",
    });
    expect(failed).toMatchObject({ ok: false, code: "not_found" });
    expect(await repos.organizations.findBySlug(slugX)).toBeNull();
    const listed = await repos.organizations.listForUser(user.id);
    expect(listed.map((o) => o.organization.slug)).toEqual([slug]);
    expect(await repos.organizations.findBySlug(slug)).toEqual(created.value.organization);
    const renamed = await repos.organizations.rename(created.value.organization.id, "Acme Inc");
    expect(renamed?.name).toBe("Acme Inc");
  });

  it("users: emails are normalised and unique; records never carry the password hash", async () => {
    const email = `Grace.${unique()}@Example.COM`;
    const user = await newUser(email);
    expect(user.email).toBe(email.toLowerCase());
    expect(user.hasPassword).toBe(true);
    expect(JSON.stringify(user)).not.toContain("argon2id");
    expect(await repos.users.create({ email: email.toUpperCase() })).toMatchObject({
      ok: false,
      code: "conflict",
    });
    const creds = await repos.users.findCredentialsByEmail(`  ${email} `);
    expect(creds?.passwordHash).toBe("argon2id$hash");
    expect(await repos.users.setPasswordHash(user.id, "argon2id$new")).toBe(true);
    expect((await repos.users.findCredentialsByEmail(email))?.passwordHash).toBe("argon2id$new");
    await repos.users.recordLogin(user.id, at("2030-01-01T00:00:00Z"));
    expect((await repos.users.findById(user.id))?.lastLoginAt).toBe("2030-01-01T00:00:00.000Z");
    expect(await repos.users.disable(user.id, at("2030-01-02T00:00:00Z"))).toBe(true);
    expect(await repos.users.disable(user.id, at("2030-01-03T00:00:00Z"))).toBe(false);
  });

  it("memberships: one per user and org, roles change, scoped by org", async () => {
    const owner = await newUser();
    const member = await newUser();
    const org = await repos.organizations.createWithOwner({
      name: "M",
      slug: `m-${unique()}`,
      ownerUserId: owner.id,
    });
    if (!org.ok) throw new Error(org.message);
    const orgId = org.value.organization.id;
    expect(await repos.memberships.add({ orgId, userId: member.id, role: "viewer" })).toMatchObject({
      ok: true,
    });
    expect(await repos.memberships.add({ orgId, userId: member.id, role: "admin" })).toMatchObject({
      ok: false,
      code: "conflict",
    });
    expect(
      await repos.memberships.add({ orgId: "org_missing1", userId: member.id, role: "admin" }),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect((await repos.memberships.setRole(orgId, member.id, "admin"))?.role).toBe("admin");
    const members = await repos.memberships.listMembers(orgId);
    expect(members.map((m) => [m.user.id, m.role])).toEqual([
      [owner.id, "owner"],
      [member.id, "admin"],
    ]);
    expect(await repos.memberships.countWithRole(orgId, "owner")).toBe(1);
    expect(await repos.memberships.setRole("org_other0001", member.id, "owner")).toBeNull();
    expect(await repos.memberships.remove(orgId, member.id)).toBe(true);
    expect(await repos.memberships.find(orgId, member.id)).toBeNull();
  });

  it("invites: a token works once, never after expiry or revocation", async () => {
    const owner = await newUser();
    const org = await repos.organizations.createWithOwner({
      name: "I",
      slug: `i-${unique()}`,
      ownerUserId: owner.id,
    });
    if (!org.ok) throw new Error(org.message);
    const orgId = org.value.organization.id;
    const now = at("2030-05-01T00:00:00Z");
    const later = at("2030-05-08T00:00:00Z");
    const invite = await repos.invites.create({
      orgId,
      email: "New@Example.com",
      role: "member",
      tokenHash: `hash-${unique()}`,
      expiresAt: later,
      invitedByUserId: owner.id,
    });
    expect(invite.email).toBe("new@example.com");
    expect(JSON.stringify(invite)).not.toContain("hash-");
    expect((await repos.invites.listPending(orgId, now)).map((i) => i.id)).toEqual([invite.id]);

    const joiner = await newUser();
    const tokenHash = (await opened.db.prisma.invite.findUniqueOrThrow({ where: { id: invite.id } }))
      .tokenHash;
    const accepted = await repos.invites.accept({ tokenHash, userId: joiner.id, now });
    expect(accepted.ok).toBe(true);
    if (accepted.ok)
      expect(accepted.value.membership).toMatchObject({ orgId, userId: joiner.id, role: "member" });
    expect(await repos.invites.accept({ tokenHash, userId: joiner.id, now })).toMatchObject({
      ok: false,
      code: "used",
    });
    expect(await repos.invites.listPending(orgId, now)).toEqual([]);

    const expiring = await repos.invites.create({
      orgId,
      email: "x@example.com",
      role: "viewer",
      tokenHash: `e-${unique()}`,
      expiresAt: now,
    });
    const expiredHash = (await opened.db.prisma.invite.findUniqueOrThrow({ where: { id: expiring.id } }))
      .tokenHash;
    expect(await repos.invites.accept({ tokenHash: expiredHash, userId: joiner.id, now })).toMatchObject({
      ok: false,
      code: "expired",
    });
    const revoked = await repos.invites.create({
      orgId,
      email: "y@example.com",
      role: "viewer",
      tokenHash: `r-${unique()}`,
      expiresAt: later,
    });
    expect(await repos.invites.revoke("org_someoneelse", revoked.id, now)).toBe(false);
    expect(await repos.invites.revoke(orgId, revoked.id, now)).toBe(true);
    const revokedHash = (await opened.db.prisma.invite.findUniqueOrThrow({ where: { id: revoked.id } }))
      .tokenHash;
    expect(await repos.invites.accept({ tokenHash: revokedHash, userId: joiner.id, now })).toMatchObject({
      ok: false,
      code: "revoked",
    });
    expect(await repos.invites.accept({ tokenHash: "unknown", userId: joiner.id, now })).toMatchObject({
      ok: false,
      code: "not_found",
    });
  });

  it("sessions: found by token hash only while live", async () => {
    const user = await newUser();
    const now = at("2030-06-01T00:00:00Z");
    const tokenHash = `s-${unique()}`;
    const session = await repos.sessions.create({
      userId: user.id,
      tokenHash,
      expiresAt: at("2030-06-02T00:00:00Z"),
    });
    expect(session.id).toMatch(/^ses_/);
    expect((await repos.sessions.findValidByTokenHash(tokenHash, now))?.id).toBe(session.id);
    expect(await repos.sessions.findValidByTokenHash(tokenHash, at("2030-06-03T00:00:00Z"))).toBeNull();
    expect(await repos.sessions.setActiveOrg(session.id, "org_whatever1")).toBe(true);
    await repos.sessions.touch(session.id, now);
    expect((await repos.sessions.findValidByTokenHash(tokenHash, now))?.lastSeenAt).toBe(now.toISOString());
    expect(await repos.sessions.revokeAllForUser(user.id, now)).toBe(1);
    expect(await repos.sessions.findValidByTokenHash(tokenHash, now)).toBeNull();
    expect(await repos.sessions.revoke(session.id, now)).toBe(false);
    expect(await repos.sessions.deleteExpired(at("2030-06-03T00:00:00Z"))).toBeGreaterThanOrEqual(1);
  });

  it("api tokens: hashed, prefixed, scoped to an org, revocable", async () => {
    const user = await newUser();
    const org = await repos.organizations.createWithOwner({
      name: "T",
      slug: `t-${unique()}`,
      ownerUserId: user.id,
    });
    if (!org.ok) throw new Error(org.message);
    const orgId = org.value.organization.id;
    const now = at("2030-07-01T00:00:00Z");
    const tokenHash = `t-${unique()}`;
    const token = await repos.apiTokens.create({
      orgId,
      userId: user.id,
      name: "ci",
      tokenHash,
      tokenPrefix: "tfpat_ab12",
    });
    expect(token.tokenPrefix).toBe("tfpat_ab12");
    expect(JSON.stringify(token)).not.toContain(tokenHash);
    expect((await repos.apiTokens.findValidByTokenHash(tokenHash, now))?.id).toBe(token.id);
    expect(await repos.apiTokens.listForUser(orgId, user.id)).toHaveLength(1);
    expect(await repos.apiTokens.listForUser("org_other0001", user.id)).toEqual([]);
    expect(await repos.apiTokens.revoke("org_other0001", token.id, now)).toBe(false);
    expect(await repos.apiTokens.revoke(orgId, token.id, now)).toBe(true);
    expect(await repos.apiTokens.findValidByTokenHash(tokenHash, now)).toBeNull();
    const expiring = await repos.apiTokens.create({
      orgId,
      userId: user.id,
      name: "short",
      tokenHash: `x-${unique()}`,
      tokenPrefix: "tfpat_cd34",
      expiresAt: now,
    });
    const hash = (await opened.db.prisma.apiToken.findUniqueOrThrow({ where: { id: expiring.id } }))
      .tokenHash;
    expect(await repos.apiTokens.findValidByTokenHash(hash, now)).toBeNull();
  });

  it("login attempts: failures are counted per email and per address within a window", async () => {
    const email = `l-${unique()}@example.com`;
    const t = (s: number) => new Date(Date.UTC(2030, 7, 1, 0, 0, s));
    await repos.loginAttempts.record({ email, ip: "10.0.0.9", succeeded: false, at: t(1) });
    await repos.loginAttempts.record({
      email: email.toUpperCase(),
      ip: "10.0.0.9",
      succeeded: false,
      at: t(2),
    });
    await repos.loginAttempts.record({ email, ip: "10.0.0.9", succeeded: true, at: t(3) });
    expect(await repos.loginAttempts.countFailuresForEmail(email, t(0))).toBe(2);
    expect(await repos.loginAttempts.countFailuresForEmail(email, t(2))).toBe(1);
    expect(await repos.loginAttempts.countFailuresForIp("10.0.0.9", t(0))).toBe(2);
    expect(await repos.loginAttempts.prune(t(3))).toBeGreaterThanOrEqual(2);
  });
});
