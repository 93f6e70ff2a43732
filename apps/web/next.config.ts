import type { NextConfig } from "next";

// The dashboard reaches the API through its own route handlers (src/app/trpc, src/app/export,
// src/app/slack): they read API_URL when a request arrives, so one build serves any API address.
const config: NextConfig = {
  // Workspace packages export TypeScript sources (`.ts` imports with the extension).
  transpilePackages: ["@tameflare/contracts", "@tameflare/policy-engine", "@tameflare/api"],
  poweredByHeader: false,
  reactStrictMode: true,
  // The repository's `tsc -p tsconfig.json` type-checks every package; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
};

export default config;
