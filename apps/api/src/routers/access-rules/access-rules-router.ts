import { router } from "../../trpc/init.ts";
import { list } from "./list-access-rules.ts";
import { set } from "./set-access-rules.ts";

export const accessRulesRouter = router({ list, set });
