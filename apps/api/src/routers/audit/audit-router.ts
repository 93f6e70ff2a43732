import { router } from "../../trpc/init.ts";
import { unreviewedCount } from "./count-unreviewed.ts";
import { get } from "./get-audit-event.ts";
import { stats } from "./get-audit-stats.ts";
import { ingest } from "./ingest-audit.ts";
import { ingestStatus } from "./ingest-status.ts";
import { list } from "./list-audit.ts";
import { chains } from "./list-chains.ts";
import { reviews } from "./list-reviews.ts";
import { markReviewed } from "./mark-reviewed.ts";
import { verifyChain } from "./verify-chain.ts";

export const auditRouter = router({
  ingest,
  ingestStatus,
  list,
  get,
  chains,
  verifyChain,
  markReviewed,
  reviews,
  unreviewedCount,
  stats,
});
