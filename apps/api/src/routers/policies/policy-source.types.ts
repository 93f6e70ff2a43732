import { z } from "zod";
import type { DocumentSource, PolicySource } from "../../services/policies/policy-input.ts";

const maxYamlChars = 4 * 1024 * 1024;

/**
 * A policy is one entry of the document's `policies:` list, sent either as JSON (`policy`)
 * or as YAML text (`yaml`); exactly one of the two.
 */
export const policySourceFields = {
  policy: z.unknown().optional(),
  yaml: z.string().max(maxYamlChars).optional(),
};

export function policySourceOf(input: { policy?: unknown; yaml?: string | undefined }): PolicySource {
  return input.yaml !== undefined ? { yaml: input.yaml } : { policy: input.policy };
}

export function hasOnePolicySource(input: { policy?: unknown; yaml?: string | undefined }): boolean {
  return (input.policy !== undefined) !== (input.yaml !== undefined);
}

export const onePolicySource = { message: "send the policy as `policy` (JSON) or as `yaml`, not both" };

/** A whole draft document (`tameflare.yaml`), as JSON (`document`) or YAML text (`yaml`). */
export const documentSourceSchema = z.union([
  z.strictObject({ yaml: z.string().max(maxYamlChars) }),
  z.strictObject({ document: z.record(z.string(), z.unknown()) }),
]);

export function documentSourceOf(source: z.infer<typeof documentSourceSchema>): DocumentSource {
  return "yaml" in source ? { yaml: source.yaml } : { document: source.document };
}
