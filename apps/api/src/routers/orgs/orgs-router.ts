import { router } from "../../trpc/init.ts";
import { create } from "./create-org.ts";
import { list } from "./list-orgs.ts";
import { switchOrg } from "./switch-org.ts";
import { update } from "./update-org.ts";

export const orgsRouter = router({ list, switch: switchOrg, create, update });
