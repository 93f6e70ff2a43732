import { router } from "../../trpc/init.ts";
import { create } from "./create-gateway.ts";
import { get } from "./get-gateway.ts";
import { list } from "./list-gateways.ts";
import { revoke } from "./revoke-gateway.ts";
import { rotateToken } from "./rotate-gateway-token.ts";
import { update } from "./update-gateway.ts";

export const gatewaysRouter = router({ create, list, get, update, rotateToken, revoke });
