import { router } from "../../trpc/init.ts";
import { accept } from "./accept-invite.ts";
import { create } from "./create-invite.ts";
import { list } from "./list-invites.ts";
import { revoke } from "./revoke-invite.ts";

export const invitesRouter = router({ create, accept, list, revoke });
