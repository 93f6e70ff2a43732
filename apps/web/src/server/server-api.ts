import type { AppRouter } from "@tameflare/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { readWebEnv } from "../env.ts";
import type { Outputs } from "../lib/api.ts";
import { apiFetch } from "./api-fetch.ts";
import { visitorHeaders } from "./peer-address.ts";

/**
 * The API as the dashboard's server calls it while rendering a page: the visitor's own cookie
 * and signed address, straight to API_URL (no browser round trip), never cached, given up after
 * 10 s (the page then loads the data in the browser). Used to put
 * the first screen's data into the HTML (the session, the kill-switch state, the audit log's
 * first page).
 */
export const serverApi = cache(async () => {
  const { API_URL } = readWebEnv();
  const cookie = (await cookies()).toString();
  const visitor = await visitorHeaders(await headers());
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${API_URL}/trpc`,
        headers: { ...visitor, ...(cookie === "" ? {} : { cookie }) },
        fetch: apiFetch(),
      }),
    ],
  });
});

/**
 * Runs a server-side read; null when it fails (signed out, API down): the page then loads it
 * in the browser, which puts the failure into words or sends the visitor to /login.
 */
export async function serverRead<T>(what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    const code =
      error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
    if (code !== "UNAUTHORIZED" && code !== "FORBIDDEN" && code !== "NOT_FOUND") {
      console.error(
        `[web] server-side ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return null;
  }
}

/** The signed-in user (once per request, shared by the layout and the page). */
export const loadMe = cache(
  async (): Promise<Outputs["auth"]["me"] | null> =>
    serverRead("auth.me", async () => (await serverApi()).auth.me.query()),
);
