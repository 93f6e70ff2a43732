import { readWebEnv } from "./env.ts";

/** Runs once when the server starts: a bad environment fails the start, not the first request. */
export function register(): void {
  readWebEnv();
}
