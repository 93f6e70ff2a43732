import { router } from "../../trpc/init.ts";
import { create } from "./create-api-token.ts";
import { list } from "./list-api-tokens.ts";
import { revoke } from "./revoke-api-token.ts";

export const apiTokensRouter = router({ create, list, revoke });
