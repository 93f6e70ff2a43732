import { hkdfSync } from "node:crypto";
import type { Result } from "@tameflare/contracts";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { ApiEnv } from "../../env.ts";

const issuer = "tameflare";
const audience = "tameflare:slack-approval-link";

export const linkDecisions = ["approve", "deny"] as const;
export type LinkDecision = (typeof linkDecisions)[number];

/** What a signed approve/deny link carries. */
export interface LinkClaims {
  orgId: string;
  approvalId: string;
  decision: LinkDecision;
  /** Single use: recorded in `slack_link_nonces` when the link is confirmed. */
  nonce: string;
  expiresAt: Date;
}

const claimsSchema = z.object({
  org: z.string().min(1),
  apv: z.string().min(1),
  d: z.enum(linkDecisions),
  jti: z.string().min(16),
  exp: z.number().int(),
});

/**
 * The HS256 key of approve/deny links: TF_LINK_SIGNING_KEY when set, else derived with HKDF
 * from the vault master key (every replica has it: required with DATABASE_URL, generated under
 * TF_DATA_DIR in the embedded mode). Null when neither exists; links are then not offered.
 */
export function linkSigningKey(env: Pick<ApiEnv, "TF_LINK_SIGNING_KEY" | "TF_VAULT_KEY">): Uint8Array | null {
  if (env.TF_LINK_SIGNING_KEY !== undefined)
    return new Uint8Array(Buffer.from(env.TF_LINK_SIGNING_KEY, "base64"));
  if (env.TF_VAULT_KEY === undefined) return null;
  return new Uint8Array(
    hkdfSync(
      "sha256",
      Buffer.from(env.TF_VAULT_KEY, "base64"),
      Buffer.alloc(0),
      "tameflare/slack-approval-link/v1",
      32,
    ),
  );
}

export type LinkVerifyError = "forged" | "expired";

/**
 * Signs and verifies approve/deny link tokens (compact JWS, HS256, `jose`): approval,
 * organization, decision, a random nonce and an expiry. A token whose signature, issuer,
 * audience or claims do not check out is `forged`; a genuine one past its time is `expired`.
 */
export function createLinkSigner(key: Uint8Array) {
  return {
    async sign(claims: LinkClaims): Promise<string> {
      return new SignJWT({ org: claims.orgId, apv: claims.approvalId, d: claims.decision })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setJti(claims.nonce)
        .setIssuedAt()
        .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
        .sign(key);
    },

    async verify(token: string, now: Date): Promise<Result<LinkClaims, LinkVerifyError>> {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer,
          audience,
          algorithms: ["HS256"],
          currentDate: now,
          clockTolerance: 0,
        });
        const parsed = claimsSchema.safeParse(payload);
        if (!parsed.success) return { ok: false, code: "forged", message: "this link is not valid" };
        const c = parsed.data;
        return {
          ok: true,
          value: {
            orgId: c.org,
            approvalId: c.apv,
            decision: c.d,
            nonce: c.jti,
            expiresAt: new Date(c.exp * 1000),
          },
        };
      } catch (error) {
        // jose checks the signature before the claims: an expired token is a genuine one.
        if (error instanceof errors.JWTExpired)
          return { ok: false, code: "expired", message: "this link has expired" };
        if (error instanceof errors.JOSEError)
          return { ok: false, code: "forged", message: "this link is not valid" };
        throw error;
      }
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
