import { router } from "../../trpc/init.ts";
import { ackBundle } from "./ack-bundle.ts";
import { pollBundle } from "./poll-bundle.ts";
import { register } from "./register-gateway.ts";

/** What a connected gateway calls with its `gwtk_…` token (its organization comes from the token). */
export const gatewayAgentRouter = router({ register, pollBundle, ackBundle });
