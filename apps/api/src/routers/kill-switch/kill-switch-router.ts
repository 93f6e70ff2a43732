import { router } from "../../trpc/init.ts";
import { activate } from "./activate-kill-switch.ts";
import { deactivate } from "./deactivate-kill-switch.ts";
import { list } from "./list-kill-switches.ts";

export const killSwitchRouter = router({ activate, deactivate, list });
