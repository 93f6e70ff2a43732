import {
  type Policy,
  type PolicyRecord,
  type PolicyVersion,
  policySchema,
  type Result,
} from "@tameflare/contracts";
import type { z } from "zod";
import type { DbClient } from "../database.ts";
import type { Policy as PolicyRow, PolicyVersion as PolicyVersionRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, isoOrNull, json, newId, parseColumn } from "./shared.ts";

/** A policy as written (defaults optional), e.g. from the editor or a YAML import. */
export type PolicyInput = z.input<typeof policySchema>;

export interface PolicyChange {
  policy: PolicyInput;
  authorUserId?: string | null;
  changeNote?: string | null;
}

export interface PolicyRepository {
  /** Creates a policy at version 1. `gatewayId` null: every gateway of the organization. */
  create(
    input: PolicyChange & { orgId: string; gatewayId?: string | null },
  ): Promise<Result<PolicyRecord, "invalid" | "not_found">>;
  /** Stores the new content as the next version; older versions stay as they were. */
  update(
    orgId: string,
    policyId: string,
    change: PolicyChange,
  ): Promise<Result<PolicyRecord, "invalid" | "not_found">>;
  /** Enables or disables a policy, as a new version. */
  setEnabled(
    orgId: string,
    policyId: string,
    enabled: boolean,
    authorUserId?: string | null,
  ): Promise<Result<PolicyRecord, "not_found">>;
  /** Soft-deletes a policy (its versions are kept for the record). */
  remove(orgId: string, policyId: string, at: Date): Promise<boolean>;
  findById(orgId: string, policyId: string): Promise<PolicyRecord | null>;
  /**
   * Live policies of an organization; with `gatewayId`, those that apply to that gateway
   * (its own and the organization-wide ones). Highest priority first.
   */
  list(orgId: string, options?: { gatewayId?: string; includeDeleted?: boolean }): Promise<PolicyRecord[]>;
  /** Every version of a policy, newest first. */
  listVersions(orgId: string, policyId: string): Promise<PolicyVersion[]>;
  getVersion(orgId: string, policyId: string, version: number): Promise<PolicyVersion | null>;
}

export function createPolicyRepository(db: DbClient): PolicyRepository {
  const withDocuments = async (rows: PolicyRow[]): Promise<PolicyRecord[]> => {
    if (rows.length === 0) return [];
    const versions = await db.policyVersion.findMany({
      where: { OR: rows.map((r) => ({ policyId: r.id, version: r.currentVersion })) },
    });
    const byPolicy = new Map(versions.map((v) => [v.policyId, v]));
    return rows.map((row) => {
      const version = byPolicy.get(row.id);
      if (version === undefined)
        throw new Error(`policy \`${row.id}\`: version ${row.currentVersion} is missing`);
      return toPolicyRecord(row, version);
    });
  };

  const findById = async (orgId: string, policyId: string): Promise<PolicyRecord | null> => {
    const row = await db.policy.findFirst({ where: { id: policyId, orgId } });
    if (row === null) return null;
    const [record] = await withDocuments([row]);
    return record ?? null;
  };

  const writeVersion = async (
    orgId: string,
    policyId: string,
    policy: Policy,
    change: Omit<PolicyChange, "policy">,
  ): Promise<boolean> =>
    db.$transaction(async (tx) => {
      // Bumping the counter first locks the row: concurrent edits get consecutive versions.
      const { count } = await tx.policy.updateMany({
        where: { id: policyId, orgId, deletedAt: null },
        data: {
          currentVersion: { increment: 1 },
          name: policy.name,
          description: policy.description ?? null,
          enabled: policy.enabled,
          priority: policy.priority,
        },
      });
      if (count === 0) return false;
      const row = await tx.policy.findUniqueOrThrow({ where: { id: policyId } });
      await tx.policyVersion.create({ data: versionData(row, policy, change) });
      return true;
    });

  return {
    async create({ orgId, gatewayId = null, policy, authorUserId = null, changeNote = null }) {
      const id = newId("policy");
      const parsed = policySchema.safeParse({ ...policy, id });
      if (!parsed.success) return invalid(parsed.error);
      const document = parsed.data;
      try {
        await db.$transaction(async (tx) => {
          const row = await tx.policy.create({
            data: {
              id,
              orgId,
              gatewayId,
              name: document.name,
              description: document.description ?? null,
              enabled: document.enabled,
              priority: document.priority,
              currentVersion: 1,
              createdByUserId: authorUserId,
            },
          });
          await tx.policyVersion.create({ data: versionData(row, document, { authorUserId, changeNote }) });
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
        }
        throw error;
      }
      const record = await findById(orgId, id);
      if (record === null) throw new Error(`policy \`${id}\` vanished after it was created`);
      return { ok: true, value: record };
    },

    async update(orgId, policyId, { policy, authorUserId = null, changeNote = null }) {
      const parsed = policySchema.safeParse({ ...policy, id: policyId });
      if (!parsed.success) return invalid(parsed.error);
      const written = await writeVersion(orgId, policyId, parsed.data, { authorUserId, changeNote });
      const record = written ? await findById(orgId, policyId) : null;
      if (record === null) return notFound(policyId);
      return { ok: true, value: record };
    },

    async setEnabled(orgId, policyId, enabled, authorUserId = null) {
      const current = await findById(orgId, policyId);
      if (current === null || current.deletedAt !== null) return notFound(policyId);
      const written = await writeVersion(
        orgId,
        policyId,
        { ...current.document, enabled },
        { authorUserId, changeNote: enabled ? "enabled" : "disabled" },
      );
      const record = written ? await findById(orgId, policyId) : null;
      if (record === null) return notFound(policyId);
      return { ok: true, value: record };
    },

    async remove(orgId, policyId, at) {
      const { count } = await db.policy.updateMany({
        where: { id: policyId, orgId, deletedAt: null },
        data: { deletedAt: at },
      });
      return count === 1;
    },

    findById,

    async list(orgId, { gatewayId, includeDeleted = false } = {}) {
      const rows = await db.policy.findMany({
        where: {
          orgId,
          ...(includeDeleted ? {} : { deletedAt: null }),
          ...(gatewayId === undefined ? {} : { OR: [{ gatewayId }, { gatewayId: null }] }),
        },
        orderBy: [{ priority: "desc" }, { createdAt: "asc" }, { id: "asc" }],
      });
      return withDocuments(rows);
    },

    async listVersions(orgId, policyId) {
      const rows = await db.policyVersion.findMany({
        where: { orgId, policyId },
        orderBy: { version: "desc" },
      });
      return rows.map(toPolicyVersion);
    },

    async getVersion(orgId, policyId, version) {
      const row = await db.policyVersion.findFirst({ where: { orgId, policyId, version } });
      return row === null ? null : toPolicyVersion(row);
    },
  };
}

function versionData(row: PolicyRow, policy: Policy, change: Omit<PolicyChange, "policy">) {
  return {
    policyId: row.id,
    version: row.currentVersion,
    orgId: row.orgId,
    name: policy.name,
    description: policy.description ?? null,
    document: json(policy),
    priority: policy.priority,
    enabled: policy.enabled,
    authorUserId: change.authorUserId ?? null,
    changeNote: change.changeNote ?? null,
  };
}

function invalid(error: z.ZodError): { ok: false; code: "invalid"; message: string } {
  const issue = error.issues[0];
  const path = issue?.path.join(".") ?? "";
  return {
    ok: false,
    code: "invalid",
    message: `policy: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`,
  };
}

function notFound(policyId: string): { ok: false; code: "not_found"; message: string } {
  return { ok: false, code: "not_found", message: `policy \`${policyId}\` not found` };
}

function toPolicyRecord(row: PolicyRow, version: PolicyVersionRow): PolicyRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    priority: row.priority,
    currentVersion: row.currentVersion,
    document: parseColumn(policySchema, version.document, `policy \`${row.id}\` v${version.version}`),
    createdByUserId: row.createdByUserId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    deletedAt: isoOrNull(row.deletedAt),
  };
}

function toPolicyVersion(row: PolicyVersionRow): PolicyVersion {
  return {
    policyId: row.policyId,
    orgId: row.orgId,
    version: row.version,
    name: row.name,
    description: row.description,
    document: parseColumn(policySchema, row.document, `policy \`${row.policyId}\` v${row.version}`),
    priority: row.priority,
    enabled: row.enabled,
    authorUserId: row.authorUserId,
    changeNote: row.changeNote,
    createdAt: iso(row.createdAt),
  };
}
