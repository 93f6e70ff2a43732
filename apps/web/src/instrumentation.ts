import { readWebEnv } from "./env.ts";

/**
 * Runs once when the server starts: a bad environment fails the start, not the first request.
 * On Node it also starts recording each request's TCP peer (server/peer-address.ts), the only
 * trustworthy source of the visitor's address inside `next start`.
 */
export async function register(): Promise<void> {
  const env = readWebEnv();
  if (env.NEXT_RUNTIME === "nodejs") {
    const { installPeerStamp } = await import("./server/peer-address.ts");
    installPeerStamp();
  }
}
