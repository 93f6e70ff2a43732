import { router } from "../../trpc/init.ts";
import { create } from "./create-approval.ts";
import { decide } from "./decide-approval.ts";
import { get } from "./get-approval.ts";
import { list } from "./list-approvals.ts";
import { wait } from "./wait-approval.ts";

export const approvalsRouter = router({ create, wait, list, get, decide });
