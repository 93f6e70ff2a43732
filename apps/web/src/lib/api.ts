import type { AppRouter } from "@tameflare/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

/** Every procedure's output, as the API declares it (`Outputs["gateways"]["list"]`). */
export type Outputs = inferRouterOutputs<AppRouter>;
/** Every procedure's input. */
export type Inputs = inferRouterInputs<AppRouter>;

/**
 * The typed API client. Calls go to `/trpc` on the dashboard's own origin, which forwards
 * them to the API (src/app/trpc), so the session cookie is first-party. One HTTP request
 * per call, unbatched: a slow query (an org-wide count, a simulation) never holds back the
 * page's first rows.
 */
export const api = createTRPCClient<AppRouter>({
  links: [httpLink({ url: "/trpc" })],
});
