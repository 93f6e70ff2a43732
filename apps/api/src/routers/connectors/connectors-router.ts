import { router } from "../../trpc/init.ts";
import { add } from "./add-connector.ts";
import { list } from "./list-connectors.ts";
import { remove } from "./remove-connector.ts";
import { update } from "./update-connector.ts";

export const connectorsRouter = router({ add, update, remove, list });
