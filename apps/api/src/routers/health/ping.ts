import { publicProcedure } from "../../trpc/init.ts";

/** Liveness over tRPC: answers without touching the database. */
export const ping = publicProcedure.query(() => ({ ok: true as const }));
