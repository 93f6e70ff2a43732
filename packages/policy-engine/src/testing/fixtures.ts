import {
  type Action,
  type PolicyDocument,
  type PolicyDocumentInput,
  policyDocumentSchema,
} from "@tameflare/contracts";
import { type CompiledPolicy, type CompileOptions, compilePolicy } from "../compile.ts";

/** Parses a document written in tests (defaults filled in); throws on a shape error. */
export function doc(input: Omit<PolicyDocumentInput, "version">): PolicyDocument {
  return policyDocumentSchema.parse({ version: 1, ...input });
}

/** Compiles a test document; throws with the errors when it does not compile. */
export function compiled(
  input: Omit<PolicyDocumentInput, "version">,
  options?: CompileOptions,
): CompiledPolicy {
  const result = compilePolicy(doc(input), options);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.compiled;
}

/** An action with test defaults: medium risk, a write, no parameters. */
export function action(type: string, overrides: Partial<Action> = {}): Action {
  return {
    type,
    connector: type.split(".")[0] ?? type,
    resource: "acme/web",
    parameters: {},
    risk: "medium",
    read: false,
    ...overrides,
  };
}

/** Connector entries for the given names (each a `generic` connector with that name). */
export function connectors(...names: string[]): PolicyDocumentInput["connectors"] {
  return names.map((name) => ({ type: "generic" as const, name }));
}
