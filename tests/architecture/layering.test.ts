import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkLayering, readWorkspaces, type Workspace } from "./layering.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function ws(name: string, dependencies: string[] = [], imports: string[] = []): Workspace {
  return {
    name,
    dir: name,
    dependencies,
    imports: imports.map((specifier) => ({ file: "x.ts", specifier })),
  };
}

describe("architecture", () => {
  it("the repository's packages only use allowed dependency edges", () => {
    const workspaces = readWorkspaces(root);
    expect(workspaces.map((w) => w.name).sort()).toEqual([
      "@tameflare/api",
      "@tameflare/connectors",
      "@tameflare/contracts",
      "@tameflare/db",
      "@tameflare/gateway",
      "@tameflare/policy-engine",
      "@tameflare/web",
    ]);
    expect(checkLayering(workspaces)).toEqual([]);
  });

  it("the gateway depending on the database is reported", () => {
    const violations = checkLayering([ws("@tameflare/gateway", ["@tameflare/db"])]);
    expect(violations.map((v) => v.message)).toEqual([
      "`@tameflare/gateway` may not depend on `@tameflare/db`",
    ]);
  });

  it("an import that bypasses package.json is reported", () => {
    const violations = checkLayering([ws("@tameflare/connectors", [], ["@tameflare/policy-engine"])]);
    expect(violations).toHaveLength(1);
  });

  it("a pure package touching the filesystem or the network is reported", () => {
    const violations = checkLayering([ws("@tameflare/policy-engine", [], ["node:fs", "node:net", "zod"])]);
    expect(violations.map((v) => v.message)).toEqual([
      "x.ts: pure package imports `node:fs`",
      "x.ts: pure package imports `node:net`",
    ]);
  });

  it("Prisma outside packages/db is reported", () => {
    expect(checkLayering([ws("@tameflare/api", [], ["@prisma/client"])])).toHaveLength(1);
    expect(checkLayering([ws("@tameflare/db", [], ["@prisma/client"])])).toEqual([]);
  });

  it("an unknown package must be given its edges explicitly", () => {
    expect(checkLayering([ws("@tameflare/new-thing")])).toHaveLength(1);
  });
});
