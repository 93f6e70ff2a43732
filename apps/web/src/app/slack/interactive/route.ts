import { forwardToApi } from "../../../server/forward.ts";

export const dynamic = "force-dynamic";

/** Slack's interactive buttons (signature-verified by the API). */
export { forwardToApi as POST };
