import {
  type AccessPreset,
  type AccessRuleRecord,
  accessRuleSchema,
  type DecisionKind,
  type Result,
} from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { AccessRule as AccessRuleRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, newUuid } from "./shared.ts";

export interface AccessRuleInput {
  connector: string;
  preset?: AccessPreset | null;
  action?: string | null;
  decision?: DecisionKind | null;
  position?: number;
  createdByUserId?: string | null;
}

export interface AccessRuleRepository {
  /** Adds a rule; `invalid` unless it has a preset, or an action pattern with a decision. */
  create(
    input: AccessRuleInput & { orgId: string; gatewayId: string },
  ): Promise<Result<AccessRuleRecord, "invalid" | "not_found">>;
  /** A gateway's rules in `position`, then creation, order. */
  listForGateway(orgId: string, gatewayId: string): Promise<AccessRuleRecord[]>;
  /** Replaces all of a gateway's rules at once (import of a policy document). */
  replaceForGateway(
    orgId: string,
    gatewayId: string,
    rules: AccessRuleInput[],
  ): Promise<Result<AccessRuleRecord[], "invalid" | "not_found">>;
  remove(orgId: string, ruleId: string): Promise<boolean>;
}

export function createAccessRuleRepository(db: DbClient): AccessRuleRepository {
  const listForGateway = async (orgId: string, gatewayId: string) => {
    const rows = await db.accessRule.findMany({
      where: { orgId, gatewayId },
      orderBy: [{ position: "asc" }, { createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map(toAccessRule);
  };

  return {
    async create(input) {
      const problem = validate(input);
      if (problem !== undefined) return { ok: false, code: "invalid", message: problem };
      try {
        const row = await db.accessRule.create({
          data: toData(input.orgId, input.gatewayId, input, input.position ?? 0),
        });
        return { ok: true, value: toAccessRule(row) };
      } catch (error) {
        if (isForeignKeyViolation(error)) return gatewayNotFound(input.gatewayId);
        throw error;
      }
    },

    listForGateway,

    async replaceForGateway(orgId, gatewayId, rules) {
      for (const [index, rule] of rules.entries()) {
        const problem = validate(rule);
        if (problem !== undefined)
          return { ok: false, code: "invalid", message: `rule ${index + 1}: ${problem}` };
      }
      try {
        await db.$transaction(async (tx) => {
          await tx.accessRule.deleteMany({ where: { orgId, gatewayId } });
          await tx.accessRule.createMany({
            data: rules.map((rule, index) => toData(orgId, gatewayId, rule, rule.position ?? index)),
          });
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) return gatewayNotFound(gatewayId);
        throw error;
      }
      return { ok: true, value: await listForGateway(orgId, gatewayId) };
    },

    async remove(orgId, ruleId) {
      const { count } = await db.accessRule.deleteMany({ where: { id: ruleId, orgId } });
      return count === 1;
    },
  };
}

function validate(rule: AccessRuleInput): string | undefined {
  const parsed = accessRuleSchema.safeParse({
    connector: rule.connector,
    preset: rule.preset ?? undefined,
    action: rule.action ?? undefined,
    decision: rule.decision ?? undefined,
  });
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? "invalid access rule");
}

function toData(orgId: string, gatewayId: string, rule: AccessRuleInput, position: number) {
  return {
    id: newUuid(),
    orgId,
    gatewayId,
    connector: rule.connector,
    preset: rule.preset ?? null,
    actionPattern: rule.action ?? null,
    decision: rule.decision ?? null,
    position,
    createdByUserId: rule.createdByUserId ?? null,
  };
}

function gatewayNotFound(gatewayId: string): { ok: false; code: "not_found"; message: string } {
  return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
}

export function toAccessRule(row: AccessRuleRow): AccessRuleRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    connector: row.connector,
    preset: row.preset,
    action: row.actionPattern,
    decision: row.decision,
    position: row.position,
    createdByUserId: row.createdByUserId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
