import {
  type EnforcementLevel,
  enforcementLevels,
  type KillSwitch,
  type PolicyDocument,
} from "@tameflare/contracts";
import { AccessIndex } from "./access-rules.ts";
import { type LocatedError, type PolicyError, toPolicyErrors } from "./errors.ts";
import { code } from "./format.ts";
import { checkKillSwitches } from "./kill-switch.ts";
import { type GatewayIdentity, PolicyIndex } from "./policies.ts";
import { RateLimitIndex } from "./rate-limit.ts";

/** Who the policy is compiled for: kill switches and `scope.gateways` match this id or name. */
export interface CompileOptions {
  gateway?: { id?: string; name?: string };
}

/**
 * A policy document compiled once into indexed evaluators (access rules per connector,
 * policies by action prefix, rate limits by action prefix). Immutable: share it between
 * requests and replace it when a new bundle arrives. Only `evaluate`, `activeKillSwitch`
 * and the counts are meant for callers; the fields are internal.
 */
export interface CompiledPolicy {
  readonly gateway: {
    readonly id: string | undefined;
    readonly name: string;
    readonly enforcement: EnforcementLevel;
  };
  /** Counts, for logs and `tf status`. */
  readonly counts: {
    readonly connectors: number;
    readonly accessRules: number;
    readonly policies: number;
    readonly rules: number;
    readonly rateLimits: number;
    readonly killSwitches: number;
  };
  /** @internal */
  readonly identity: GatewayIdentity;
  /** @internal */
  readonly approvalTimeoutSeconds: number;
  /** @internal */
  readonly killSwitches: readonly KillSwitch[];
  /** @internal */
  readonly access: AccessIndex;
  /** @internal */
  readonly policies: PolicyIndex;
  /** @internal */
  readonly rateLimits: RateLimitIndex;
}

export type CompileResult = { ok: true; compiled: CompiledPolicy } | { ok: false; errors: PolicyError[] };

/**
 * Compiles a validated document (see `validatePolicyDocument`) into a {@link CompiledPolicy}.
 * Repeats every semantic check (unique names, known connectors, globs, regex safety,
 * operator value types), so a document from a bundle is safe to compile directly. Pure
 * and total: never throws; failures come back as errors with document paths.
 */
export function compilePolicy(document: PolicyDocument, options: CompileOptions = {}): CompileResult {
  const result = compileLocated(document, options);
  return result.ok ? result : { ok: false, errors: toPolicyErrors(result.errors) };
}

/** {@link compilePolicy} with errors still located by path segments (for YAML positions). */
export function compileLocated(
  document: PolicyDocument,
  options: CompileOptions = {},
): { ok: true; compiled: CompiledPolicy } | { ok: false; errors: LocatedError[] } {
  try {
    return compileUnsafe(document, options);
  } catch (cause) {
    // Only a document that bypassed validation (wrong shapes) can get here; it is reported, not thrown.
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return {
      ok: false,
      errors: [
        { segments: [], message: `the policy document could not be compiled; validate it first${detail}` },
      ],
    };
  }
}

function compileUnsafe(
  document: PolicyDocument,
  options: CompileOptions,
): { ok: true; compiled: CompiledPolicy } | { ok: false; errors: LocatedError[] } {
  const errors: LocatedError[] = [];
  const connectorNames = new Set<string>();
  (document.connectors ?? []).forEach((connector, i) => {
    const name = connector.name ?? connector.type;
    if (connectorNames.has(name)) {
      errors.push({
        segments: ["connectors", i, connector.name === undefined ? "type" : "name"],
        message: `connector ${code(name)}: duplicate connector name; give each connector a unique \`name\``,
      });
    }
    connectorNames.add(name);
  });
  const enforcement = document.gateway?.enforcement ?? "full";
  if (!(enforcementLevels as readonly string[]).includes(enforcement)) {
    errors.push({
      segments: ["gateway", "enforcement"],
      message: `gateway: unknown enforcement level ${code(enforcement)}`,
    });
  }
  const name = options.gateway?.name ?? document.gateway?.name ?? "local";
  const identity: GatewayIdentity = {
    id: options.gateway?.id,
    names: [...new Set([name, document.gateway?.name ?? name])],
  };
  const access = AccessIndex.build(document.access_rules ?? [], connectorNames, errors);
  const policies = PolicyIndex.build(document.policies ?? [], connectorNames, identity, errors);
  const rateLimits = RateLimitIndex.build(document.rate_limits ?? [], errors);
  const killSwitches = document.kill_switches ?? [];
  checkKillSwitches(killSwitches, connectorNames, errors);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    compiled: {
      gateway: { id: options.gateway?.id, name, enforcement },
      counts: {
        connectors: connectorNames.size,
        accessRules: access.size,
        policies: policies.size,
        rules: policies.ruleCount,
        rateLimits: rateLimits.size,
        killSwitches: killSwitches.length,
      },
      identity,
      approvalTimeoutSeconds: document.approvals?.timeout_seconds ?? 300,
      killSwitches,
      access,
      policies,
      rateLimits,
    },
  };
}
