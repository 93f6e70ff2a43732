import { router } from "../../trpc/init.ts";
import { status } from "./get-bundle-status.ts";

export const bundlesRouter = router({ status });
