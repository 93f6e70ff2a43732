import { agentErrorBodySchema, agentErrorCodes, agentErrorStatus } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { agentError } from "./agent-errors.ts";

describe("agent error answers", () => {
  for (const code of agentErrorCodes) {
    it(`\`${code}\` has the contract's status and a body that parses`, () => {
      const e = agentError(code, "req_abcdefgh");
      expect(e.status).toBe(agentErrorStatus[code]);
      const body = agentErrorBodySchema.parse(JSON.parse(e.body));
      expect(body.error.code).toBe(code);
      expect(body.error.request_id).toBe("req_abcdefgh");
      expect(e.headers["content-length"]).toBe(String(Buffer.byteLength(e.body)));
    });
  }

  it("code-specific headers: Proxy-Authenticate, kill switch, Retry-After", () => {
    expect(agentError("proxy_auth", "req_abcdefgh").headers["proxy-authenticate"]).toMatch(/^Basic/);
    expect(agentError("kill_switch", "req_abcdefgh").headers["x-tameflare-kill-switch"]).toBe("active");
    expect(
      agentError("rate_limited", "req_abcdefgh", undefined, { retry_after_seconds: 7 }).headers[
        "retry-after"
      ],
    ).toBe("7");
  });

  it("a body that would break the contract fails closed as gateway_error, never as another decision", () => {
    const e = agentError("denied", "req_abcdefgh", undefined, {
      retry_after_seconds: "soon" as unknown as number,
    });
    expect(e.status).toBe(500);
    expect(JSON.parse(e.body).error.code).toBe("gateway_error");
  });
});
