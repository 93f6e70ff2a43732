"use client";

import { type ReactNode, Suspense } from "react";
import { SeedProvider } from "../lib/use-api.ts";
import { SessionProvider } from "./session.tsx";
import { Shell } from "./shell.tsx";
import { Loading } from "./ui.tsx";

/** The signed-in frame of every dashboard page, starting from what the server already loaded. */
export function DashboardFrame({ seeds, children }: { seeds: Record<string, unknown>; children: ReactNode }) {
  return (
    <SeedProvider seeds={seeds}>
      <SessionProvider>
        <Shell>
          <Suspense fallback={<Loading />}>{children}</Suspense>
        </Shell>
      </SessionProvider>
    </SeedProvider>
  );
}
