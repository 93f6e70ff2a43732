import { router } from "../../trpc/init.ts";
import { exportConfig } from "./export-config.ts";
import { importConfig } from "./import-config.ts";

export const configRouter = router({ export: exportConfig, import: importConfig });
