import { TRPCError } from "@trpc/server";
import type { createCaller } from "./test-deps.ts";

type Caller = ReturnType<typeof createCaller>;

/** Calls a procedure of a caller by its dotted path (`gateways.get`). */
export async function callPath(caller: Caller, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const key of path.split(".")) target = (target as Record<string, unknown>)[key];
  if (typeof target !== "function") throw new Error(`no procedure \`${path}\` on the caller`);
  return (target as (input: unknown) => Promise<unknown>)(input);
}

/** The outcome of a call: its value, or the tRPC error code and message it failed with. */
export async function outcomeOf(
  run: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: TRPCError["code"]; message: string }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof TRPCError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
