import type { ConnectorRecord } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { connectorConfigOf, connectorInputOf, connectorWriteSchema } from "./connector-mapping.ts";

function record(input: ReturnType<typeof connectorInputOf>): ConnectorRecord {
  return { id: "con_1", orgId: "org_1", gatewayId: "gw_1", createdAt: "", updatedAt: "", ...input };
}

describe("connector mapping", () => {
  it("round-trips a document connector through the stored record", () => {
    const config = {
      type: "github" as const,
      name: "ghe",
      domains: ["ghe.example.com"],
      upstream: "https://127.0.0.1:9443",
      base_path: "/api/v3",
      credential: { env: "GHE_TOKEN", header: "authorization", format: "token {secret}" },
    };
    expect(connectorConfigOf(record(connectorInputOf(config)))).toEqual(config);
  });

  it("a vault-held secret becomes the gateway-sealed JWE in a bundle, or a named env variable in an export", () => {
    const stored = record(connectorInputOf({ type: "stripe", credential: { header: "authorization" } }));
    expect(connectorConfigOf(stored, { kind: "encrypted", jwe: "eyJ.jwe" }).credential).toEqual({
      encrypted: "eyJ.jwe",
      header: "authorization",
    });
    expect(connectorConfigOf(stored, { kind: "placeholder", hasVaultSecret: true }).credential).toEqual({
      env: "TF_SECRET_STRIPE",
      header: "authorization",
    });
    expect(connectorConfigOf(stored).credential).toBeUndefined();
  });

  it("refuses secrets written inline with a connector", () => {
    expect(connectorWriteSchema.safeParse({ type: "openai", credential: { value: "sk-1" } }).success).toBe(
      false,
    );
    expect(
      connectorWriteSchema.safeParse({ type: "openai", credential: { env: "A", file: "/b" } }).success,
    ).toBe(false);
  });
});
