import { router } from "../../trpc/init.ts";
import { create } from "./create-rate-limit.ts";
import { list } from "./list-rate-limits.ts";
import { remove } from "./remove-rate-limit.ts";

export const rateLimitsRouter = router({ list, create, remove });
