import { router } from "../../trpc/init.ts";
import { list } from "./list-members.ts";
import { remove } from "./remove-member.ts";
import { setRole } from "./set-member-role.ts";

export const membersRouter = router({ list, setRole, remove });
