import { z } from "zod";
import { policyDocumentSchema } from "./policy-document.ts";

/**
 * The payload of a signed bundle (an Ed25519 compact JWS). Credentials inside
 * `document.connectors[].credential` are `{encrypted: <JWE to the gateway key>}`.
 */
export const bundlePayloadSchema = z.object({
  gateway_id: z.string(),
  org_id: z.string(),
  version: z.number().int().positive(),
  issued_at: z.string().datetime({ offset: true }),
  expires_at: z.string().datetime({ offset: true }),
  document: policyDocumentSchema,
});
export type BundlePayload = z.infer<typeof bundlePayloadSchema>;
