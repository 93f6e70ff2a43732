import { describe, expect, it } from "vitest";
import { clearedSessionCookie, sessionCookie } from "./session-cookie.ts";

describe("session cookie", () => {
  it("is httpOnly and SameSite=Lax, without Secure on plain http", () => {
    expect(sessionCookie("http://127.0.0.1:3000", "tok", 60)).toBe(
      "tf_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
    );
  });

  it("is Secure when the public URL is https", () => {
    expect(sessionCookie("https://tameflare.example.com", "tok", 60)).toMatch(/; Secure$/);
  });

  it("clearing sets an empty value that expires at once", () => {
    expect(clearedSessionCookie("https://x.example")).toBe(
      "tf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    );
  });
});
