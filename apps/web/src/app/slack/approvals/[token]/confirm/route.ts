import { forwardToApi } from "../../../../../server/forward.ts";

export const dynamic = "force-dynamic";

/** The one step of a Slack link that changes anything: a POST from the confirmation page. */
export { forwardToApi as POST };
