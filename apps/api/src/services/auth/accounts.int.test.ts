import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../../http/server.ts";
import { appRouter } from "../../routers/index.ts";
import {
  callerFor,
  createTestClock,
  createTestDeps,
  sessionFromCookies,
  type TestDeps,
} from "../../testing/test-deps.ts";
import { sha256Hex } from "../../trpc/context.ts";
import { loginThrottleWindowMs, maxFailuresPerEmail, maxFailuresPerIp } from "./login-throttle.ts";

const password = "correct horse battery staple";
let n = 0;
const email = (tag: string) => `${tag}-${Date.now().toString(36)}-${++n}@example.com`;

describe("accounts: sign-up, sessions, throttling, invites, members, API tokens", () => {
  let t: TestDeps;
  const clock = createTestClock(new Date("2030-01-01T00:00:00Z"));

  beforeAll(async () => {
    t = await createTestDeps({ clock: clock.now });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  async function signUp(address = email("owner"), ip = "10.0.0.1") {
    const { caller, cookies } = await callerFor(t.deps, { ip });
    const result = await caller.auth.signUp({ email: address, password, orgName: "Acme Robotics" });
    const session = sessionFromCookies(cookies);
    if (session === undefined) throw new Error("sign-up set no session cookie");
    return { ...result, session, cookies, email: address };
  }

  it("sign-up makes the first user the owner of a new organization and logs them in", async () => {
    const signed = await signUp();
    expect(signed.organization.slug).toMatch(/^acme-robotics-[0-9a-f]{8}$/);
    expect(signed.cookies[0]).toMatch(/^tf_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const { caller } = await callerFor(t.deps, { session: signed.session });
    const me = await caller.auth.me();
    expect(me.user.email).toBe(signed.email);
    expect(me.memberships).toEqual([{ organization: signed.organization, role: "owner" }]);
    expect(me.activeOrgId).toBe(signed.organization.id);
    await expect(
      (await callerFor(t.deps, {})).caller.auth.signUp({ email: signed.email, password, orgName: "X" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("passwords are scrypt hashes with a per-user salt, never returned, and short ones are refused", async () => {
    const a = await signUp();
    const b = await signUp();
    const hashA = (await t.deps.repos.users.findCredentialsByEmail(a.email))?.passwordHash ?? "";
    const hashB = (await t.deps.repos.users.findCredentialsByEmail(b.email))?.passwordHash ?? "";
    expect(hashA).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hashA).not.toBe(hashB);
    expect(hashA).not.toContain(password);
    expect(JSON.stringify(a.user)).not.toContain("scrypt");
    const { caller } = await callerFor(t.deps, {});
    await expect(
      caller.auth.signUp({ email: email("short"), password: "elevenchars", orgName: "X" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("every login issues a new session token (stored hashed) and revokes the one the browser had", async () => {
    const signed = await signUp();
    const first = await callerFor(t.deps, { session: signed.session });
    const relogin = await first.caller.auth.logIn({ email: signed.email, password });
    expect(relogin.user.email).toBe(signed.email);
    const second = sessionFromCookies(first.cookies);
    expect(second).toBeDefined();
    expect(second).not.toBe(signed.session);
    // The old token no longer authenticates; the new one does.
    await expect(
      (await callerFor(t.deps, { session: signed.session })).caller.auth.me(),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const stored = await t.deps.repos.sessions.findValidByTokenHash(sha256Hex(second ?? ""), clock.now());
    expect(stored?.userId).toBe(signed.user.id);
    const raw = await t.deps.db.prisma.session.findMany({ where: { userId: signed.user.id } });
    expect(raw.every((s) => s.tokenHash !== signed.session && s.tokenHash !== second)).toBe(true);
  });

  it("logout revokes the session and clears the cookie", async () => {
    const signed = await signUp();
    const { caller, cookies } = await callerFor(t.deps, { session: signed.session });
    expect(await caller.auth.logOut()).toEqual({ loggedOut: true });
    expect(cookies.at(-1)).toMatch(/^tf_session=; .*Max-Age=0/);
    await expect(
      (await callerFor(t.deps, { session: signed.session })).caller.auth.me(),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("a wrong password and an unknown email fail alike", async () => {
    const signed = await signUp();
    const { caller } = await callerFor(t.deps, { ip: "10.9.9.9" });
    const wrong = caller.auth.logIn({ email: signed.email, password: "not the password at all" });
    await expect(wrong).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "email or password is incorrect",
    });
    const unknown = caller.auth.logIn({ email: email("nobody"), password });
    await expect(unknown).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "email or password is incorrect",
    });
  });

  it(`login throttling: ${maxFailuresPerEmail} failures for an email lock it (even the right password) until the window passes`, async () => {
    const signed = await signUp();
    const { caller } = await callerFor(t.deps, { ip: "10.1.1.1" });
    for (let i = 0; i < maxFailuresPerEmail; i++) {
      await expect(
        caller.auth.logIn({ email: signed.email, password: `guess number ${i} wrong` }),
      ).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    const locked = caller.auth.logIn({ email: signed.email, password });
    await expect(locked).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "too many failed logins for this email: try again in 15 minutes",
    });
    // Another address does not help: the lock is on the email.
    const elsewhere = (await callerFor(t.deps, { ip: "10.1.1.2" })).caller;
    await expect(elsewhere.auth.logIn({ email: signed.email, password })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    clock.advance(loginThrottleWindowMs + 1000);
    expect((await caller.auth.logIn({ email: signed.email, password })).user.email).toBe(signed.email);
  });

  it(`login throttling: ${maxFailuresPerIp} failures from one address lock that address for every email`, async () => {
    const signed = await signUp();
    const ip = "10.2.2.2";
    const { caller } = await callerFor(t.deps, { ip });
    for (let i = 0; i < maxFailuresPerIp; i++) {
      await expect(caller.auth.logIn({ email: email(`spray${i}`), password })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(caller.auth.logIn({ email: signed.email, password })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "too many failed logins from this address: try again in 15 minutes",
    });
    const other = (await callerFor(t.deps, { ip: "10.2.2.3" })).caller;
    expect((await other.auth.logIn({ email: signed.email, password })).user.email).toBe(signed.email);
    clock.advance(loginThrottleWindowMs + 1000);
  });

  it("invites are single-use, expire, can be revoked, are stored hashed, and only an owner invites an owner", async () => {
    const owner = await signUp();
    const orgId = owner.organization.id;
    const ownerCaller = (await callerFor(t.deps, { session: owner.session })).caller;
    const invitee = email("invitee");
    const created = await ownerCaller.invites.create({ orgId, email: invitee, role: "admin" });
    expect(created.token).toMatch(/^tfinv_/);
    expect(created.url).toBe(`http://127.0.0.1:3000/invite?token=${created.token}`);
    expect(JSON.stringify(await ownerCaller.invites.list({ orgId }))).not.toContain(created.token);
    const row = await t.deps.db.prisma.invite.findUnique({ where: { id: created.invite.id } });
    expect(row?.tokenHash).toBe(sha256Hex(created.token));

    const anonymous = await callerFor(t.deps, {});
    const accepted = await anonymous.caller.invites.accept({ token: created.token, password, name: "Ada" });
    expect(accepted).toMatchObject({ role: "admin", organization: { id: orgId }, user: { email: invitee } });
    const newSession = sessionFromCookies(anonymous.cookies);
    const adminCaller = (await callerFor(t.deps, { session: newSession })).caller;
    expect((await adminCaller.auth.me()).memberships.map((m) => m.role)).toEqual(["admin"]);
    // Single use: the same link fails for anyone, signed in or not.
    await expect(anonymous.caller.invites.accept({ token: created.token, password })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(adminCaller.invites.accept({ token: created.token })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    // An admin cannot hand out ownership.
    await expect(
      adminCaller.invites.create({ orgId, email: email("x"), role: "owner" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });

    const short = await ownerCaller.invites.create({
      orgId,
      email: email("late"),
      role: "member",
      ttlHours: 1,
    });
    clock.advance(3600 * 1000 + 1);
    await expect(anonymous.caller.invites.accept({ token: short.token, password })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "this invite has expired: ask for a new one",
    });

    const revoked = await ownerCaller.invites.create({ orgId, email: email("rev"), role: "viewer" });
    await ownerCaller.invites.revoke({ orgId, inviteId: revoked.invite.id });
    await expect(anonymous.caller.invites.accept({ token: revoked.token, password })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    await expect(anonymous.caller.invites.accept({ token: "tfinv_nope", password })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("an existing account accepts an invite to a second organization after logging in", async () => {
    const first = await signUp();
    const second = await signUp();
    const invite = await (await callerFor(t.deps, { session: first.session })).caller.invites.create({
      orgId: first.organization.id,
      email: second.email,
      role: "viewer",
    });
    await expect(
      (await callerFor(t.deps, {})).caller.invites.accept({ token: invite.token, password }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const secondCaller = (await callerFor(t.deps, { session: second.session })).caller;
    expect(await secondCaller.invites.accept({ token: invite.token })).toMatchObject({ role: "viewer" });
    const orgs = await secondCaller.orgs.list();
    expect(orgs.map((o) => o.role).sort()).toEqual(["owner", "viewer"]);
    expect(await secondCaller.orgs.switch({ orgId: first.organization.id })).toMatchObject({
      role: "viewer",
    });
    const nextRequest = (await callerFor(t.deps, { session: second.session })).caller;
    expect((await nextRequest.auth.me()).activeOrgId).toBe(first.organization.id);
  });

  it("members: the owner changes roles, and the last owner can be neither demoted nor removed", async () => {
    const owner = await signUp();
    const orgId = owner.organization.id;
    const caller = (await callerFor(t.deps, { session: owner.session })).caller;
    await expect(
      caller.members.setRole({ orgId, userId: owner.user.id, role: "admin" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    await expect(caller.members.remove({ orgId, userId: owner.user.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    const other = await t.deps.repos.users.create({ email: email("second-owner") });
    if (!other.ok) throw new Error(other.message);
    await t.deps.repos.memberships.add({ orgId, userId: other.value.id, role: "member" });
    expect(await caller.members.setRole({ orgId, userId: other.value.id, role: "owner" })).toMatchObject({
      role: "owner",
    });
    // With a second owner, the first may step down.
    expect(await caller.members.setRole({ orgId, userId: owner.user.id, role: "admin" })).toMatchObject({
      role: "admin",
    });
    const list = await caller.members.list({ orgId });
    expect(list.map((m) => m.role).sort()).toEqual(["admin", "owner"]);
    await expect(caller.members.remove({ orgId, userId: other.value.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("personal API tokens are shown once, stored hashed, act for one organization, and stop when revoked", async () => {
    const owner = await signUp();
    const orgId = owner.organization.id;
    const caller = (await callerFor(t.deps, { session: owner.session })).caller;
    const created = await caller.apiTokens.create({ orgId, name: "ci" });
    expect(created.token).toMatch(/^tfpat_[A-Za-z0-9_-]{43}$/);
    expect(created.apiToken.tokenPrefix).toBe(created.token.slice(0, 12));
    const listed = await caller.apiTokens.list({ orgId });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const row = await t.deps.db.prisma.apiToken.findUnique({ where: { id: created.apiToken.id } });
    expect(row?.tokenHash).toBe(sha256Hex(created.token));

    const bearer = (await callerFor(t.deps, { authorization: `Bearer ${created.token}` })).caller;
    expect((await bearer.auth.me()).via).toBe("api_token");
    expect((await bearer.gateways.create({ orgId, name: "from-ci" })).gateway.name).toBe("from-ci");
    await expect(bearer.orgs.create({ name: "Elsewhere" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    await caller.apiTokens.revoke({ orgId, tokenId: created.apiToken.id });
    await expect(
      (await callerFor(t.deps, { authorization: `Bearer ${created.token}` })).caller.auth.me(),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});

describe("accounts over real HTTP: the session cookie round-trips", () => {
  let t: TestDeps;
  let server: ApiServer;

  beforeAll(async () => {
    t = await createTestDeps();
    server = await startApiServer(t.deps, appRouter, { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  async function post(path: string, body: unknown, cookie?: string) {
    return fetch(`${server.url}/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie === undefined ? {} : { cookie }) },
      body: JSON.stringify(body),
    });
  }
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0] ?? "")
      .join("; ");

  it("sign up, read me with the cookie, log in again (new cookie), log out (cookie cleared, session dead)", async () => {
    const address = `http-${Date.now().toString(36)}@example.com`;
    const signed = await post("auth.signUp", { email: address, password, orgName: "Over HTTP" });
    expect(signed.status).toBe(200);
    const setCookie = signed.headers.getSetCookie();
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toContain("HttpOnly");
    expect(setCookie[0]).toContain("SameSite=Lax");
    const cookie = cookieOf(signed);

    const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as {
      result: { data: { user: { email: string }; memberships: { role: string }[] } };
    };
    expect(body.result.data.user.email).toBe(address);
    expect(body.result.data.memberships[0]?.role).toBe("owner");

    const relogin = await post("auth.logIn", { email: address, password }, cookie);
    expect(relogin.status).toBe(200);
    const rotated = cookieOf(relogin);
    expect(rotated).not.toBe(cookie);
    expect((await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie } })).status).toBe(401);

    const out = await post("auth.logOut", {}, rotated);
    expect(out.headers.getSetCookie()[0]).toMatch(/^tf_session=; .*Max-Age=0/);
    expect((await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie: rotated } })).status).toBe(401);
  });

  it("errors keep their codes over HTTP: a forbidden call is 403 and a throttled login 429", async () => {
    const address = `http2-${Date.now().toString(36)}@example.com`;
    const signed = await post("auth.signUp", { email: address, password, orgName: "Codes" });
    const data = ((await signed.json()) as { result: { data: { organization: { id: string } } } }).result
      .data;
    const missing = await post(
      "gateways.create",
      { orgId: "org_doesnotexist1", name: "x" },
      cookieOf(signed),
    );
    expect(missing.status).toBe(404);
    const unauth = await post("gateways.create", { orgId: data.organization.id, name: "x" });
    expect(unauth.status).toBe(401);
    for (let i = 0; i < 5; i++) await post("auth.logIn", { email: address, password: `wrong password ${i}` });
    const throttled = await post("auth.logIn", { email: address, password });
    expect(throttled.status).toBe(429);
  });
});
