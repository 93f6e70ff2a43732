import type http from "node:http";
import { describe, expect, it } from "vitest";
import type { AppDeps } from "../deps.ts";
import {
  clientAddressHeader,
  clientSignatureHeader,
  isAddressText,
  signClientAddress,
  verifyClientAddress,
} from "./client-address.ts";
import { callerAddress } from "./server.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";
const now = Date.parse("2031-01-01T12:00:00.000Z");

async function verify(headers: Record<string, string>, atMs = now, key = secret) {
  return verifyClientAddress(
    key,
    { address: headers[clientAddressHeader], signature: headers[clientSignatureHeader] },
    atMs,
  );
}

describe("the dashboard's signed visitor address", () => {
  it("a signature made with the shared secret names the address, IPv4 and IPv6", async () => {
    expect(await verify(await signClientAddress(secret, "203.0.113.7", now))).toBe("203.0.113.7");
    expect(await verify(await signClientAddress(secret, "2001:db8::1", now))).toBe("2001:db8::1");
    expect(await verify(await signClientAddress(secret, "203.0.113.7", now), now + 59_000)).toBe(
      "203.0.113.7",
    );
  });

  const refused: {
    name: string;
    headers: () => Promise<Record<string, string>>;
    atMs?: number;
    key?: string;
  }[] = [
    { name: "no signature", headers: async () => ({ [clientAddressHeader]: "203.0.113.7" }) },
    { name: "another key", headers: () => signClientAddress(secret, "203.0.113.7", now), key: `${secret}x` },
    { name: "older than a minute", headers: () => signClientAddress(secret, "203.0.113.7", now - 61_000) },
    { name: "from the future", headers: () => signClientAddress(secret, "203.0.113.7", now + 61_000) },
    {
      name: "an address other than the signed one",
      headers: async () => ({
        ...(await signClientAddress(secret, "203.0.113.7", now)),
        [clientAddressHeader]: "203.0.113.8",
      }),
    },
    {
      name: "a malformed signature",
      headers: async () => ({ [clientAddressHeader]: "203.0.113.7", [clientSignatureHeader]: "v1.123.zz" }),
    },
    { name: "text that is not an address", headers: () => signClientAddress(secret, "evil\nheader", now) },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, async () => {
      expect(await verify(await c.headers(), c.atMs ?? now, c.key ?? secret)).toBeNull();
    });
  }

  it("accepts only address text", () => {
    expect(["127.0.0.1", "10.0.0.255", "::1", "::ffff:10.0.0.1", "2001:db8::7"].every(isAddressText)).toBe(
      true,
    );
    expect(["", "localhost", "1.2.3.256", "1.2.3", "a b", "x:y"].some(isAddressText)).toBe(false);
  });
});

describe("callerAddress", () => {
  const request = (headers: Record<string, string>) =>
    ({ headers, socket: { remoteAddress: "127.0.0.1" } }) as unknown as http.IncomingMessage;
  const depsWith = (dashboardSecret: string | undefined) =>
    ({ env: { TF_DASHBOARD_SECRET: dashboardSecret }, clock: () => new Date(now) }) as unknown as AppDeps;

  it("is the vouched-for visitor when the API shares the dashboard's secret", async () => {
    const headers = await signClientAddress(secret, "203.0.113.7", now);
    expect(await callerAddress(depsWith(secret), request(headers))).toBe("203.0.113.7");
  });

  it("is the socket's address when the API has no secret, whatever the headers say", async () => {
    const headers = await signClientAddress(secret, "203.0.113.7", now);
    expect(await callerAddress(depsWith(undefined), request(headers))).toBe("127.0.0.1");
  });

  it("is the socket's address for a header nobody signed", async () => {
    expect(await callerAddress(depsWith(secret), request({ [clientAddressHeader]: "203.0.113.7" }))).toBe(
      "127.0.0.1",
    );
  });
});
