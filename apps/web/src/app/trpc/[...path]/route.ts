import { forwardToApi } from "../../../server/forward.ts";

export const dynamic = "force-dynamic";

export { forwardToApi as GET, forwardToApi as POST };
