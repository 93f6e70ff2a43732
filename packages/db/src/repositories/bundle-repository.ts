import type { BundleRecord } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Bundle as BundleRow } from "../generated/client.ts";
import { iso, isoOrNull } from "./shared.ts";

/** What the caller signs once it knows the version number. */
export interface SignedBundle {
  jws: string;
  expiresAt?: Date | null;
}

export interface BundleRepository {
  /**
   * Issues the gateway's next bundle: reserves the next version (monotonic per gateway,
   * never reused, safe under concurrent callers), lets `sign` build the JWS for that
   * version, and stores it, all in one transaction. Null when the gateway is unknown.
   */
  issueNext(
    orgId: string,
    gatewayId: string,
    sign: (version: number) => Promise<SignedBundle> | SignedBundle,
  ): Promise<BundleRecord | null>;
  /** The newest bundle of a gateway. */
  latest(orgId: string, gatewayId: string): Promise<BundleRecord | null>;
  findVersion(orgId: string, gatewayId: string, version: number): Promise<BundleRecord | null>;
  /** Recent bundles, newest first. */
  list(orgId: string, gatewayId: string, options?: { limit?: number }): Promise<BundleRecord[]>;
}

export function createBundleRepository(db: DbClient): BundleRepository {
  return {
    async issueNext(orgId, gatewayId, sign) {
      return db.$transaction(async (tx) => {
        // The counter lives on the gateway row: the UPDATE locks it until commit, so two
        // issuers get consecutive versions and a failed signing burns no number.
        const { count } = await tx.gateway.updateMany({
          where: { id: gatewayId, orgId },
          data: { lastBundleVersion: { increment: 1 } },
        });
        if (count === 0) return null;
        const { lastBundleVersion: version } = await tx.gateway.findUniqueOrThrow({
          where: { id: gatewayId },
          select: { lastBundleVersion: true },
        });
        const signed = await sign(version);
        const row = await tx.bundle.create({
          data: { orgId, gatewayId, version, jws: signed.jws, expiresAt: signed.expiresAt ?? null },
        });
        return toBundle(row);
      });
    },

    async latest(orgId, gatewayId) {
      const row = await db.bundle.findFirst({ where: { orgId, gatewayId }, orderBy: { version: "desc" } });
      return row === null ? null : toBundle(row);
    },

    async findVersion(orgId, gatewayId, version) {
      const row = await db.bundle.findFirst({ where: { orgId, gatewayId, version } });
      return row === null ? null : toBundle(row);
    },

    async list(orgId, gatewayId, { limit = 20 } = {}) {
      const rows = await db.bundle.findMany({
        where: { orgId, gatewayId },
        orderBy: { version: "desc" },
        take: limit,
      });
      return rows.map(toBundle);
    },
  };
}

export function toBundle(row: BundleRow): BundleRecord {
  return {
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    version: row.version,
    jws: row.jws,
    createdAt: iso(row.createdAt),
    expiresAt: isoOrNull(row.expiresAt),
  };
}
