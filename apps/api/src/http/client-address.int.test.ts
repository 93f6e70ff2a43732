import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxFailuresPerIp } from "../services/auth/login-throttle.ts";
import { startTestApi, type TestApi } from "../testing/api-harness.ts";
import { uniqueSuffix } from "../testing/seed.ts";
import { sessionCookieName, sha256Hex } from "../trpc/context.ts";
import { clientAddressHeader, clientSignatureHeader, signClientAddress } from "./client-address.ts";

// Login throttling behind the dashboard: every request reaches the API from the dashboard's
// socket (here 127.0.0.1), and the dashboard names the visitor in a header signed with the
// shared TF_DASHBOARD_SECRET. Signed: each visitor is throttled on their own address.
// Unsigned or badly signed: ignored, counted on the socket's address like any direct caller.
describe("the visitor's address through the dashboard's signed header", () => {
  const secret = randomBytes(32).toString("base64");
  const password = "correct horse battery staple";
  let api: TestApi;
  let email: string;

  beforeAll(async () => {
    api = await startTestApi("in-process", { env: { TF_DASHBOARD_SECRET: secret }, workers: false });
    email = `visitor-${uniqueSuffix()}@example.com`;
    const signed = await logIn("auth.signUp", { email, password, orgName: "Visitors" }, {});
    expect(signed.status).toBe(200);
  });
  afterAll(async () => {
    await api.close();
  });

  function logIn(path: string, body: unknown, headers: Record<string, string>) {
    return fetch(`${api.url}/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  }
  const signedAs = (address: string, atMs = Date.now()) => signClientAddress(secret, address, atMs);
  const wrongPassword = () => ({
    email: `nobody-${uniqueSuffix()}@example.com`,
    password: "not the password",
  });
  async function messageOf(res: Response): Promise<string> {
    return ((await res.json()) as { error: { message: string } }).error.message;
  }

  it("each visitor is throttled on their own address, not on the dashboard's", async () => {
    const attacker = "203.0.113.10";
    for (let i = 0; i < maxFailuresPerIp; i++) {
      const res = await logIn("auth.logIn", wrongPassword(), await signedAs(attacker));
      expect(res.status).toBe(401);
    }
    const locked = await logIn("auth.logIn", wrongPassword(), await signedAs(attacker));
    expect(locked.status).toBe(429);
    expect(await messageOf(locked)).toMatch(/from this address/);
    // The same correct password from the attacker's address is refused too (checked first).
    expect((await logIn("auth.logIn", { email, password }, await signedAs(attacker))).status).toBe(429);

    // Another visitor behind the same dashboard logs in, and the session records where from.
    const visitor = "2001:db8::7";
    const ok = await logIn("auth.logIn", { email, password }, await signedAs(visitor));
    expect(ok.status).toBe(200);
    const token = ok.headers
      .getSetCookie()
      .map((c) => c.split(";")[0] ?? "")
      .find((c) => c.startsWith(`${sessionCookieName}=`))
      ?.slice(sessionCookieName.length + 1);
    const session = await api.deps.repos.sessions.findValidByTokenHash(
      sha256Hex(decodeURIComponent(token ?? "")),
      new Date(),
    );
    expect(session?.ip).toBe(visitor);
    // The dashboard's own address (the socket) was never counted.
    expect(await api.deps.repos.loginAttempts.countFailuresForIp("127.0.0.1", new Date(0))).toBe(0);
  });

  it("a forwarded address nobody signed is ignored: unsigned, another key, stale, altered, malformed", async () => {
    const other = randomBytes(32).toString("base64");
    const fresh = await signedAs("198.51.100.1");
    const spoofs: (() => Promise<Record<string, string>>)[] = [
      async () => ({ [clientAddressHeader]: `192.0.2.${Math.floor(Math.random() * 250)}` }),
      async () => signClientAddress(other, "192.0.2.20", Date.now()),
      async () => signedAs("192.0.2.30", Date.now() - 5 * 60_000),
      async () => signedAs("192.0.2.31", Date.now() + 5 * 60_000),
      async () => ({ ...fresh, [clientAddressHeader]: "192.0.2.40" }),
      async () => ({ ...fresh, [clientSignatureHeader]: fresh[clientSignatureHeader].replace("v1.", "v2.") }),
      async () => ({ "x-forwarded-for": "192.0.2.50", "x-real-ip": "192.0.2.51" }),
    ];
    for (let i = 0; i < maxFailuresPerIp; i++) {
      const headers = await (spoofs[i % spoofs.length] as () => Promise<Record<string, string>>)();
      expect((await logIn("auth.logIn", wrongPassword(), headers)).status).toBe(401);
    }
    // Every one of them counted on the socket's address: the next caller from it is locked out,
    // whatever address it claims.
    expect(await api.deps.repos.loginAttempts.countFailuresForIp("127.0.0.1", new Date(0))).toBe(
      maxFailuresPerIp,
    );
    const claimed = await logIn("auth.logIn", wrongPassword(), { [clientAddressHeader]: "192.0.2.99" });
    expect(claimed.status).toBe(429);
    expect(await messageOf(claimed)).toMatch(/from this address/);
    for (const address of ["192.0.2.20", "192.0.2.30", "192.0.2.40", "192.0.2.50"]) {
      expect(await api.deps.repos.loginAttempts.countFailuresForIp(address, new Date(0))).toBe(0);
    }
    // A visitor the dashboard vouches for is still let in from the same socket.
    expect((await logIn("auth.logIn", { email, password }, await signedAs("198.51.100.2"))).status).toBe(200);
  });
});
