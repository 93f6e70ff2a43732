// Types for the two undici modules the gateway imports directly (undici ships types only for
// its index). See `upstream.ts`: the index would load all of undici (fetch, WebSocket, caches).
declare module "undici/lib/dispatcher/pool.js" {
  import type { Pool } from "undici";

  const PoolClass: typeof Pool;
  export default PoolClass;
}

declare module "undici/lib/core/connect.js" {
  import type { buildConnector } from "undici";

  const build: typeof buildConnector;
  export default build;
}
