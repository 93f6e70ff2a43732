import { actionSchema, type ConnectorType } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { createConnectorRegistry } from "./registry.ts";
import { type FixtureFile, runCase } from "./testing/fixture-case.ts";
import customRoutes from "./vendors/custom/fixtures/routes.json" with { type: "json" };
import genericHttp from "./vendors/generic/fixtures/http.json" with { type: "json" };
import githubEnterprise from "./vendors/github/fixtures/enterprise.json" with { type: "json" };
import githubGitHttp from "./vendors/github/fixtures/git-http.json" with { type: "json" };
import githubGraphql from "./vendors/github/fixtures/graphql.json" with { type: "json" };
import githubHostile from "./vendors/github/fixtures/hostile.json" with { type: "json" };
import githubIssues from "./vendors/github/fixtures/issues.json" with { type: "json" };
import githubMisc from "./vendors/github/fixtures/misc.json" with { type: "json" };
import githubPulls from "./vendors/github/fixtures/pulls.json" with { type: "json" };
import githubRefsFiles from "./vendors/github/fixtures/refs-files-releases.json" with { type: "json" };
import githubRepos from "./vendors/github/fixtures/repos-orgs.json" with { type: "json" };
import { githubRoutes } from "./vendors/github/routes.ts";
import graphqlHostile from "./vendors/graphql/fixtures/hostile.json" with { type: "json" };
import graphqlOperations from "./vendors/graphql/fixtures/operations.json" with { type: "json" };
import mcpHostile from "./vendors/mcp/fixtures/hostile.json" with { type: "json" };
import mcpJsonRpc from "./vendors/mcp/fixtures/jsonrpc.json" with { type: "json" };
import webhookHttp from "./vendors/webhook/fixtures/webhook.json" with { type: "json" };

/** Every golden fixture file of this package's connectors, by vendor. */
const fixtureFiles: Array<{ vendor: ConnectorType; file: string; fixtures: FixtureFile }> = [
  { vendor: "github", file: "pulls.json", fixtures: githubPulls as FixtureFile },
  { vendor: "github", file: "issues.json", fixtures: githubIssues as FixtureFile },
  { vendor: "github", file: "repos-orgs.json", fixtures: githubRepos as FixtureFile },
  { vendor: "github", file: "refs-files-releases.json", fixtures: githubRefsFiles as FixtureFile },
  { vendor: "github", file: "misc.json", fixtures: githubMisc as FixtureFile },
  { vendor: "github", file: "git-http.json", fixtures: githubGitHttp as FixtureFile },
  { vendor: "github", file: "graphql.json", fixtures: githubGraphql as FixtureFile },
  { vendor: "github", file: "enterprise.json", fixtures: githubEnterprise as FixtureFile },
  { vendor: "github", file: "hostile.json", fixtures: githubHostile as FixtureFile },
  { vendor: "graphql", file: "operations.json", fixtures: graphqlOperations as FixtureFile },
  { vendor: "graphql", file: "hostile.json", fixtures: graphqlHostile as FixtureFile },
  { vendor: "mcp", file: "jsonrpc.json", fixtures: mcpJsonRpc as FixtureFile },
  { vendor: "mcp", file: "hostile.json", fixtures: mcpHostile as FixtureFile },
  { vendor: "generic", file: "http.json", fixtures: genericHttp as FixtureFile },
  { vendor: "webhook", file: "webhook.json", fixtures: webhookHttp as FixtureFile },
  { vendor: "custom", file: "routes.json", fixtures: customRoutes as FixtureFile },
];

const rows = fixtureFiles.flatMap(({ vendor, file, fixtures }) => {
  const created = createConnectorRegistry(fixtures.connectors ?? [{ type: vendor }]);
  if (!created.ok) throw new Error(`${vendor}/${file}: ${JSON.stringify(created.errors)}`);
  const registry = created.registry;
  const first = registry.connectors[0]?.name ?? null;
  return fixtures.cases.map((testCase) => ({
    label: `${vendor}/${file}: ${testCase.name}`,
    registry,
    first,
    testCase,
  }));
});

describe("golden connector fixtures", () => {
  it.each(rows)("$label", ({ registry, first, testCase }) => {
    const got = runCase(registry, testCase);
    expect(got.connector).toBe(testCase.connector === undefined ? first : testCase.connector);
    if (testCase.needsBody !== undefined) expect(got.needsBody).toBe(testCase.needsBody);
    const expected = testCase.expect;
    if (expected === undefined) return;
    if ("error" in expected) {
      expect(got.expect).toEqual({ error: expected.error });
      return;
    }
    const actions = expected.actions.map((a) => ({ ...a, connector: a.connector ?? got.connector }));
    expect(got.expect).toEqual({ actions });
    for (const action of actions) expect(actionSchema.safeParse(action).success).toBe(true);
  });
});

/** Action types the golden fixtures of one vendor expect. */
function coveredTypes(vendor: ConnectorType): Set<string> {
  const out = new Set<string>();
  for (const f of fixtureFiles) {
    if (f.vendor !== vendor) continue;
    for (const c of f.fixtures.cases) {
      if (c.expect !== undefined && "actions" in c.expect) for (const a of c.expect.actions) out.add(a.type);
    }
  }
  return out;
}

/** The catalog every connector promises (issue 3), each pinned by at least one golden case. */
const promised: Partial<Record<ConnectorType, string[]>> = {
  github: [
    ...["create", "merge", "update", "close", "review"].map((v) => `github.pr.${v}`),
    ...["create", "update", "close"].map((v) => `github.issue.${v}`),
    "github.branch.create",
    "github.branch.delete",
    "github.release.create",
    "github.release.delete",
    "github.file.create",
    "github.file.update",
    "github.file.delete",
    "github.repo.create",
    "github.repo.delete",
    "github.repo.update",
    "github.org.update",
    "github.team.create",
    ...["repo.get", "pr.list", "pr.get", "issue.get", "issue.list", "file.get", "user.get"].map(
      (a) => `github.${a}`,
    ),
    "github.repo.push",
    "github.repo.fetch",
    "github.tag.create",
    "github.tag.delete",
    "github.api.get",
    "github.api.post",
    "github.graphql.mutation.mergePullRequest",
    "github.websocket.connect",
    ...githubRoutes.map((r) => r.action),
  ],
  mcp: [
    "mcp.tools.list",
    "mcp.rpc.resources_read",
    "mcp.rpc.initialize",
    "mcp.rpc.response",
    "mcp.session.open",
    "mcp.session.close",
    "mcp.websocket.connect",
  ],
  graphql: [
    "linear.graphql.query.Issues",
    "linear.graphql.mutation.issueCreate",
    "linear.graphql.subscription.OnIssue",
    "linear.graphql.persisted.GetIssues",
    "linear.websocket.connect",
  ],
  generic: [
    "http.get",
    "http.head",
    "http.options",
    "http.post",
    "http.put",
    "http.patch",
    "http.delete",
    "http.websocket",
  ],
  webhook: ["webhook.post", "webhook.get", "webhook.delete", "webhook.websocket.connect"],
  custom: ["crm.contact.list", "crm.unmatched.get", "crm.unmatched.post", "crm.websocket.connect"],
};

describe("catalog coverage", () => {
  it.each(Object.entries(promised))("every promised %s action has a golden fixture", (vendor, types) => {
    const covered = coveredTypes(vendor as ConnectorType);
    expect([...new Set(types)].filter((t) => !covered.has(t))).toEqual([]);
  });
});
