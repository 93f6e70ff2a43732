import type { ApiToken } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { OrgActor } from "../shared/actor.ts";
import { issueToken } from "../shared/tokens.ts";

export function createApiTokensService(deps: AppDeps) {
  return {
    /**
     * A personal API token (`tfpat_…`) for automation, scoped to this organization and
     * acting with the owner's role in it. The token is returned once; only its hash is kept.
     */
    async create(
      actor: OrgActor,
      input: { name: string; expiresInDays?: number | undefined },
    ): Promise<{ apiToken: ApiToken; token: string }> {
      const issued = issueToken(deps.randomBytes, "tfpat");
      const expiresAt =
        input.expiresInDays === undefined
          ? null
          : new Date(deps.clock().getTime() + input.expiresInDays * 24 * 3600 * 1000);
      const apiToken = await deps.repos.apiTokens.create({
        orgId: actor.orgId,
        userId: actor.userId,
        name: input.name,
        tokenHash: issued.hash,
        tokenPrefix: issued.prefix,
        expiresAt,
      });
      return { apiToken, token: issued.token };
    },

    /** The caller's own tokens in this organization (never the token itself). */
    async list(actor: OrgActor): Promise<ApiToken[]> {
      return deps.repos.apiTokens.listForUser(actor.orgId, actor.userId);
    },

    /** Revokes one of the caller's own tokens. */
    async revoke(actor: OrgActor, tokenId: string): Promise<void> {
      const own = await deps.repos.apiTokens.listForUser(actor.orgId, actor.userId);
      const token = own.find((t) => t.id === tokenId);
      if (token === undefined || token.revokedAt !== null)
        throw new AppError("not_found", `API token \`${tokenId}\` not found`);
      await deps.repos.apiTokens.revoke(actor.orgId, tokenId, deps.clock());
    },
  };
}
