import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Allowed internal dependency edges (STYLE.md "Layout and dependency direction"). */
export const allowedEdges: Record<string, readonly string[]> = {
  "@tameflare/contracts": [],
  "@tameflare/connectors": ["@tameflare/contracts"],
  "@tameflare/policy-engine": ["@tameflare/contracts"],
  "@tameflare/db": ["@tameflare/contracts"],
  "@tameflare/gateway": ["@tameflare/contracts", "@tameflare/connectors", "@tameflare/policy-engine"],
  "@tameflare/api": [
    "@tameflare/contracts",
    "@tameflare/db",
    "@tameflare/policy-engine",
    "@tameflare/connectors",
  ],
  "@tameflare/web": ["@tameflare/contracts", "@tameflare/policy-engine", "@tameflare/api"],
};

/** Node built-ins a pure package may never import (no IO, no clock, no randomness). */
export const pureForbiddenModules = [
  "fs",
  "net",
  "tls",
  "http",
  "https",
  "http2",
  "dgram",
  "child_process",
  "crypto",
  "worker_threads",
  "os",
];
export const purePackages = ["@tameflare/contracts", "@tameflare/connectors", "@tameflare/policy-engine"];

export interface Workspace {
  name: string;
  dir: string;
  dependencies: string[];
  /** Every module specifier imported by a source file, with the file. */
  imports: { file: string; specifier: string }[];
}

export interface Violation {
  package: string;
  message: string;
}

/** Returns every broken rule of the layering for the given workspaces. */
export function checkLayering(workspaces: Workspace[]): Violation[] {
  const violations: Violation[] = [];
  for (const ws of workspaces) {
    const allowed = allowedEdges[ws.name];
    if (allowed === undefined) {
      violations.push({
        package: ws.name,
        message: `package \`${ws.name}\` has no entry in the allowed edges`,
      });
      continue;
    }
    const internal = new Set([
      ...ws.dependencies.filter((d) => d.startsWith("@tameflare/")),
      ...ws.imports.map((i) => packageOf(i.specifier)).filter((d) => d.startsWith("@tameflare/")),
    ]);
    for (const dep of internal) {
      if (dep === ws.name) continue;
      if (!allowed.includes(dep)) {
        violations.push({ package: ws.name, message: `\`${ws.name}\` may not depend on \`${dep}\`` });
      }
    }
    if (purePackages.includes(ws.name)) {
      for (const imp of ws.imports) {
        const bare = imp.specifier.replace(/^node:/, "").split("/")[0] ?? "";
        if (pureForbiddenModules.includes(bare)) {
          violations.push({
            package: ws.name,
            message: `${imp.file}: pure package imports \`${imp.specifier}\``,
          });
        }
        if (imp.specifier.startsWith("@prisma/") || imp.specifier === "pg") {
          violations.push({
            package: ws.name,
            message: `${imp.file}: pure package imports \`${imp.specifier}\``,
          });
        }
      }
    }
    if (ws.name !== "@tameflare/db") {
      for (const imp of ws.imports) {
        if (imp.specifier.startsWith("@prisma/client") || imp.specifier.startsWith("@prisma/adapter")) {
          violations.push({ package: ws.name, message: `${imp.file}: only @tameflare/db imports Prisma` });
        }
      }
    }
  }
  return violations;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

const importPattern =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** Reads every workspace package under apps/ and packages/ of the repository. */
export function readWorkspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  for (const group of ["apps", "packages"]) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
      const pkgPath = join(dir, "package.json");
      if (!statSync(dir).isDirectory()) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const imports: Workspace["imports"] = [];
      for (const file of sourceFiles(join(dir, "src"))) {
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(importPattern)) {
          const specifier = m[1] ?? m[2] ?? m[3];
          if (specifier) imports.push({ file: relative(root, file), specifier });
        }
      }
      out.push({
        name: pkg.name,
        dir,
        dependencies: [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})],
        imports,
      });
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw cause;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry === "node_modules" || entry === "generated" || entry === ".next") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry)) files.push(path);
  }
  return files;
}
