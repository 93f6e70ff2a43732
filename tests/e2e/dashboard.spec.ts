import assert from "node:assert/strict";
import { cpus, loadavg } from "node:os";
import pg from "pg";
import type { Page } from "playwright-core";
import { createGatewaysService } from "../../apps/api/src/services/gateways/gateways-service.ts";
import { createSlackService } from "../../apps/api/src/services/slack/slack-service.ts";
import { type AgentResult, type E2eSpec, type RunningAgent, waitFor } from "./harness.ts";

const password = "correct horse battery staple";
const secret = "sk_live_e2e_9f8e7d6c5b4a";
const apiHost = "api.e2e.test";

/** Calls a tRPC procedure from inside the page (its cookies), returning the HTTP status and body. */
async function trpcFromPage(page: Page, kind: "query" | "mutation", path: string, input: unknown) {
  return page.evaluate(
    async ({ kind, path, input }) => {
      const url =
        kind === "query"
          ? `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`
          : `/trpc/${path}`;
      const response = await fetch(url, {
        method: kind === "query" ? "GET" : "POST",
        headers: { "content-type": "application/json" },
        body: kind === "query" ? undefined : JSON.stringify(input),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    { kind, path, input },
  );
}

/** Opens a page and waits until React has hydrated it (the server's HTML arrives interactive-looking first). */
async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await hydrated(page);
}

async function hydrated(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

async function rowDecisions(page: Page): Promise<string[]> {
  return page
    .locator("[data-testid=audit-row]")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-decision") ?? ""));
}

/**
 * Stores `count` events for a gateway straight into the test database, the fast way: one
 * `generate_series` INSERT with per-row foreign-key checks off and the secondary indexes dropped
 * and rebuilt afterwards (the same definitions, read from pg_indexes, so the measured page reads
 * exactly the schema the migrations make). Returns the time taken.
 */
async function insertBulkEvents(
  databaseUrl: string,
  orgId: string,
  gatewayId: string,
  count: number,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const t0 = Date.now();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query("SET maintenance_work_mem = '256MB'");
    await client.query("SET synchronous_commit = off");
    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_events' AND indexname <> 'audit_events_pkey'",
      )
    ).rows;
    for (const index of indexes) await client.query(`DROP INDEX "${index.indexname}"`);
    await client.query(
      `INSERT INTO audit_events (event_id, org_id, gateway_id, chain_id, seq, ts, ts_text, agent, connector,
         action_type, decision, enforced, mode, reason, rule, risk, risk_score, status, latency_ms, method, host,
         path, request_id, approval_id, error_code, bytes_in, bytes_out, prev_hash, hash, received_at)
       SELECT 'evt_bulk' || lpad(i::text, 8, '0'), $1, $2, $2, i, t,
         to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'agent-' || (i % 7), 'internal',
         (ARRAY['http.get','http.post','http.delete'])[1 + i % 3], (ARRAY['allow','allow','deny','require_approval'])[1 + i % 4],
         'allow', 'full', 'bulk event', NULL, 'low', 10, 200, 3.5, 'GET', 'api.e2e.test', '/bulk/' || i, 'req_bulk' || i,
         NULL, NULL, 10, 20, h, h, t
       FROM (SELECT i, now() - ($3::int - i) * interval '50 milliseconds' AS t, md5(i::text) || md5(i::text) AS h
             FROM generate_series(0, $3::int - 1) AS i) s`,
      [orgId, gatewayId, count],
    );
    // Rebuilt two at a time (a second connection): CREATE INDEX runs share the table's lock.
    const second = new pg.Client({ connectionString: databaseUrl });
    await second.connect();
    try {
      await Promise.all(
        [client, second].map(async (c, lane) => {
          await c.query("SET maintenance_work_mem = '256MB'");
          for (const index of indexes.filter((_, i) => i % 2 === lane)) await c.query(index.indexdef);
        }),
      );
    } finally {
      await second.end();
    }
    await client.query("ANALYZE audit_events");
  } finally {
    await client.end();
  }
  return Date.now() - t0;
}

export const spec: E2eSpec = {
  name: "dashboard",
  async run(ctx) {
    const web = ctx.stack.webUrl;
    const owner = await ctx.newUser();
    const p = owner.page;
    const ownerEmail = `owner-${Date.now()}@example.com`;
    let gatewayId = "";
    let gatewayToken = "";
    let orgId = "";
    let agent: RunningAgent | undefined;

    try {
      await ctx.step("an owner signs up", async () => {
        await open(p, `${web}/login`);
        await p.getByRole("heading", { name: "Log in" }).waitFor();
        await ctx.shot(p, "log in");
        await open(p, `${web}/signup`);
        await p.getByLabel("Your name").fill("Olga Owner");
        await p.getByLabel("Work email").fill(ownerEmail);
        await p.getByLabel("Password").fill(password);
        await p.getByLabel("Organization name").fill("Acme Robotics");
        await ctx.shot(p, "sign up");
        await p.getByRole("button", { name: "Create account" }).click();
        await p.waitForURL("**/gateways/new");
        await hydrated(p);
        const me = await trpcFromPage(p, "query", "auth.me", undefined);
        assert.equal(me.status, 200);
        orgId = (me.body as { result: { data: { activeOrgId: string } } }).result.data.activeOrgId;
      });

      await ctx.step("the wizard creates a gateway and shows its token once", async () => {
        await p.getByLabel("Gateway name").fill("e2e gateway");
        await p.getByRole("button", { name: "Next: connectors" }).click();
        // The name is checked with the API's own schema before anything is sent.
        await p.getByText("use 1-64 letters").waitFor();
        await p.getByLabel("Gateway name").fill("e2e-gateway");
        await p.getByRole("button", { name: "Next: connectors" }).click();
        await p.getByLabel("Type").selectOption("generic");
        await p.getByLabel("Name", { exact: true }).fill("internal");
        await p.getByLabel("Domains").fill(apiHost);
        await p.getByLabel("Upstream").fill(ctx.upstream.url);
        await p.getByRole("button", { name: "Add connector", exact: true }).click();
        await p.getByRole("list", { name: "Connectors added" }).getByText("internal").waitFor();
        await ctx.shot(p, "wizard connectors");
        await p.getByRole("button", { name: "Next: credentials" }).click();
        await p.getByLabel("Credential for internal").fill(secret);
        await p.getByRole("button", { name: "Next: access rules" }).click();
        await p.getByRole("radio", { name: /Custom patterns only/ }).check();
        const rules: Array<[string, string]> = [
          ["http.get", "allow"],
          ["http.delete", "deny"],
          ["http.post", "require_approval"],
        ];
        for (const [i, [action, decision]] of rules.entries()) {
          await p.getByRole("button", { name: "Add a pattern" }).click();
          await p.locator(`#rule-internal-${i}-action`).fill(action);
          await p.locator(`#rule-internal-${i}-decision`).selectOption(decision);
        }
        await ctx.shot(p, "wizard access rules");
        await p.getByRole("button", { name: "Next: enforcement" }).click();
        await p.getByRole("radio", { name: /^full/ }).check();
        await ctx.shot(p, "wizard enforcement");
        await p.getByRole("button", { name: "Create gateway" }).click();
        await p.getByTestId("gateway-token").waitFor();
        gatewayId = (await p.getByTestId("gateway-id").textContent()) ?? "";
        gatewayToken = (await p.getByTestId("gateway-token").textContent()) ?? "";
        const command = (await p.getByTestId("tf-init-command").textContent()) ?? "";
        assert.match(gatewayId, /^gw_[A-Za-z0-9]+$/);
        assert.match(gatewayToken, /^gwtk_[A-Za-z0-9_-]+$/);
        assert.equal(
          command,
          `tf init --gateway-id ${gatewayId} --gateway-token ${gatewayToken} --api-url ${web}`,
        );
        assert.equal(await p.getByText("some settings were not saved").count(), 0);
        await ctx.shot(p, "wizard done token shown once");
        await p.getByRole("link", { name: /open the gateway/ }).click();
        await p.waitForURL(`**/gateways/${gatewayId}`);
        await hydrated(p);
        await p.getByRole("heading", { name: "Connectors" }).waitFor();
        await p.getByText("••••5b4a").waitFor();
        assert.equal((await p.content()).includes(gatewayToken), false, "the token is never shown again");
        await ctx.shot(p, "gateway detail");
      });

      await ctx.step("tf init registers the gateway through the dashboard's address", async () => {
        const init = await ctx.tf.run([
          "init",
          "--gateway-id",
          gatewayId,
          "--gateway-token",
          gatewayToken,
          "--api-url",
          web,
        ]);
        if (init.code !== 0 && /connected mode arrives/.test(init.stderr)) {
          ctx.blocked(`tf init: the gateway's connected mode does not exist yet (${init.stderr.trim()})`);
          return;
        }
        assert.equal(init.code, 0, `tf init failed: ${init.stderr}`);
        agent = await ctx.tf.startAgent("e2e-bot");
      });

      if (agent === undefined) return;
      const bot = agent;

      await ctx.step(
        "the agent's allowed call gets the vault's credential; the denied one a 403",
        async () => {
          const allowed = await bot.request("GET", `http://${apiHost}/items`);
          assert.equal(allowed.status, 200, `GET: ${JSON.stringify(allowed)}\n${bot.stderr()}`);
          const hit = ctx.upstream.hits.find((h) => h.method === "GET" && h.path === "/items");
          assert.equal(
            hit?.headers.authorization,
            `Bearer ${secret}`,
            "the real credential replaced the agent's dummy",
          );
          const denied = await bot.request("DELETE", `http://${apiHost}/items/1`);
          assert.equal(denied.status, 403, JSON.stringify(denied));
          assert.equal(denied.code, "denied");
          assert.equal(
            ctx.upstream.hits.some((h) => h.method === "DELETE"),
            false,
            "a denied call never reaches the API",
          );
        },
      );

      await ctx.step("a held call appears in the inbox live and is approved there", async () => {
        await open(p, `${web}/approvals`);
        await p.getByText("Nothing is waiting for you").waitFor();
        await p.evaluate(() => {
          (window as unknown as { e2eMarker: number }).e2eMarker = 42;
        });
        const held = bot.request("POST", `http://${apiHost}/payments`);
        const card = p.getByTestId("approval-card");
        await card.waitFor({ timeout: 20_000 });
        const marker = await p.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker);
        assert.equal(marker, 42, "the approval arrived without a page reload");
        await card.getByRole("heading", { name: "http.post" }).waitFor();
        await card.getByText("e2e-bot").waitFor();
        await ctx.shot(p, "approvals inbox");
        await card.getByLabel("Note (optional)").fill("expected payment run");
        await card.getByRole("button", { name: "Approve" }).click();
        const done: AgentResult = await held;
        assert.equal(done.status, 200, `the held call completes once approved: ${JSON.stringify(done)}`);
        assert.ok(ctx.upstream.hits.some((h) => h.method === "POST" && h.path === "/payments"));
        await p.getByText("Nothing is waiting for you").waitFor();
        await p.getByRole("tab", { name: "History" }).click();
        await p.getByText("expected payment run").waitFor();
        await ctx.shot(p, "approvals history");
      });

      await ctx.step(
        "the audit page shows the three calls with their decisions, and filters work",
        async () => {
          const url = `${web}/audit?gateway=${gatewayId}`;
          await open(p, url);
          // Events are shipped by the gateway in batches: reload until all three are stored.
          const decisions = await waitFor("three audited calls", 30_000, async () => {
            await p.reload();
            await hydrated(p);
            await p.locator("[data-testid=audit-row], .empty").first().waitFor();
            const found = await rowDecisions(p);
            return ["allow", "deny", "require_approval"].every((d) => found.includes(d)) ? found : undefined;
          });
          assert.equal(decisions.length, 3, `rows: ${decisions.join(",")}`);
          await ctx.shot(p, "audit gateway");
          await p.getByTestId("filter-decision-deny").check();
          await p.getByTestId("filter-apply").click();
          await p.waitForURL(/decision=deny/);
          await waitFor("only denied rows", 10_000, async () => {
            const rows = await rowDecisions(p);
            return rows.length === 1 && rows[0] === "deny" ? true : undefined;
          });
          // The view is in the URL: a fresh tab shows the same rows.
          const shared = await owner.context.newPage();
          await open(shared, p.url());
          await shared.locator("[data-testid=audit-row]").first().waitFor();
          assert.deepEqual(await rowDecisions(shared), ["deny"]);
          await shared.close();
          await p.locator("[data-testid=audit-row]").first().click();
          await p.getByTestId("event-explanation").waitFor();
          const explanation = (await p.getByTestId("event-explanation").textContent()) ?? "";
          assert.ok(explanation.length > 10, `the drawer explains the decision: ${explanation}`);
          await p.getByLabel("Comment").last().fill("checked: expected deny");
          await p.getByRole("button", { name: "Mark reviewed" }).last().click();
          await p.getByText("checked: expected deny").waitFor();
          await ctx.shot(p, "audit event drawer");
          await p.keyboard.press("Escape");
          await open(p, `${web}/audit?gateway=${gatewayId}&action=http.get`);
          await waitFor("the action filter", 10_000, async () => {
            const rows = await rowDecisions(p);
            return rows.length === 1 && rows[0] === "allow" ? true : undefined;
          });
          await open(p, `${web}/audit?gateway=${gatewayId}`);
          await p.getByRole("button", { name: "Verify hash chain" }).click();
          await p.getByTestId("chain-status").getByText("chain intact").waitFor();
          await p.getByTestId("unreviewed-toggle").check();
          await p.waitForURL(/unreviewed=1/);
          await waitFor("the unreviewed view", 10_000, async () =>
            (await rowDecisions(p)).includes("deny") ? undefined : true,
          );
          await ctx.shot(p, "audit unreviewed and chain verified");
          await open(p, `${web}/audit`);
          await p.locator("[data-testid=audit-row]").first().waitFor();
          await ctx.shot(p, "audit org wide");
        },
      );

      await ctx.step(
        "the policy editor validates in the browser at the right line, sandboxes, saves and diffs",
        async () => {
          await open(p, `${web}/policies`);
          await p.getByText("No policies yet").waitFor();
          await ctx.shot(p, "policies empty");
          await open(p, `${web}/policies/new?gateway=${gatewayId}`);
          const editor = p.getByLabel("Policy YAML");
          const broken = [
            "name: no-admin-paths",
            "priority: 10",
            "scope:",
            '  actions: ["http.*"]',
            "rules:",
            "  - name: block admin",
            "    when:",
            "      all:",
            "        - { field: parameters.path, op: startswith, value: /admin }",
            "    decision: deny",
            "    reason: admin endpoints are off limits",
          ];
          await editor.fill(broken.join("\n"));
          const problems = p.getByTestId("policy-problems");
          await problems.getByText(/^line 9/).waitFor();
          await ctx.shot(p, "policy editor error at line");
          await editor.fill(broken.join("\n").replace("op: startswith", "op: starts_with"));
          await p.getByTestId("policy-valid").waitFor();
          await p.getByLabel("Action (JSON)").fill(
            JSON.stringify({
              type: "http.get",
              connector: "internal",
              resource: `${apiHost}/admin/users`,
              parameters: { path: "/admin/users" },
              risk: "low",
              read: true,
            }),
          );
          const preview = p.getByTestId("sandbox-preview");
          await preview.getByText("admin endpoints are off limits").waitFor();
          await p.getByRole("button", { name: "Decide on the API" }).click();
          await p.getByTestId("sandbox-result").getByText("admin endpoints are off limits").waitFor();
          await ctx.shot(p, "policy sandbox");
          await p.getByRole("tab", { name: "Simulation" }).click();
          await p.getByRole("button", { name: "Simulate" }).click();
          await p.getByTestId("simulation-report").waitFor();
          await ctx.shot(p, "policy simulation");
          await p.getByLabel("Change note").fill("first version");
          await p.getByRole("button", { name: "Create policy" }).click();
          await p.waitForURL(/\/policies\/pol_/);
          await hydrated(p);
          await p.getByLabel("Policy YAML").waitFor();
          const text = await p.getByLabel("Policy YAML").inputValue();
          await p
            .getByLabel("Policy YAML")
            .fill(text.replace("admin endpoints are off limits", "admin endpoints need a ticket"));
          await p.getByLabel("Change note").fill("clearer reason");
          await p.getByRole("button", { name: "Save new version" }).click();
          await p.getByText("Version 2").waitFor();
          await p.getByRole("tab", { name: "History" }).click();
          await p.getByTestId("policy-diff").getByText("admin endpoints need a ticket").waitFor();
          await ctx.shot(p, "policy history diff");
          await open(p, `${web}/policies`);
          await p.getByRole("link", { name: "no-admin-paths" }).waitFor();
          await ctx.shot(p, "policies list");
        },
      );

      let viewerPage: Page | undefined;
      await ctx.step(
        "a viewer joins by invite and can neither approve nor edit (the UI hides it, the API refuses)",
        async () => {
          await open(p, `${web}/settings`);
          const viewerEmail = `viewer-${Date.now()}@example.com`;
          await p.locator("#invite-email").fill(viewerEmail);
          await p.locator("#invite-role").selectOption("viewer");
          await p.getByRole("button", { name: "Create invite link" }).click();
          const inviteUrl = (await p.getByTestId("invite-url").textContent()) ?? "";
          assert.ok(inviteUrl.startsWith(`${web}/invite?token=`), inviteUrl);
          const viewer = await ctx.newUser();
          viewerPage = viewer.page;
          const v = viewer.page;
          await open(v, inviteUrl);
          await v.getByLabel("Choose a password").fill(password);
          await ctx.shot(v, "accept invite");
          await v.getByRole("button", { name: "Accept invite" }).click();
          await v.waitForURL("**/overview");
          await hydrated(v);
          await v.getByTestId("signed-in-as").getByText("viewer").waitFor();

          const held = bot.request("POST", `http://${apiHost}/payments/2`);
          await open(v, `${web}/approvals`);
          const card = v.getByTestId("approval-card");
          await card.waitFor({ timeout: 20_000 });
          await card.getByTestId("cannot-decide").waitFor();
          assert.equal(
            await card.getByRole("button", { name: "Approve" }).count(),
            0,
            "no approve button for a viewer",
          );
          await ctx.shot(v, "approvals as viewer");
          const approvalId = (await card.getAttribute("data-approval-id")) ?? "";
          const refused = await trpcFromPage(v, "mutation", "approvals.decide", {
            orgId,
            approvalId,
            decision: "approve",
          });
          assert.equal(
            refused.status,
            403,
            `the API refuses a viewer's decision: ${JSON.stringify(refused)}`,
          );
          const edit = await trpcFromPage(v, "mutation", "gateways.update", {
            orgId,
            gatewayId,
            name: "renamed",
          });
          assert.equal(edit.status, 403, `the API refuses a viewer's edit: ${JSON.stringify(edit)}`);
          await open(v, `${web}/gateways/${gatewayId}`);
          await v.getByRole("heading", { name: "Access rules" }).waitFor();
          assert.equal(await v.getByRole("button", { name: "Save settings" }).count(), 0);
          assert.equal(await v.getByRole("button", { name: "Save access rules" }).count(), 0);
          assert.equal(await v.getByRole("button", { name: "Rotate token" }).count(), 0);
          await ctx.shot(v, "gateway as viewer");

          // The Slack link for this approval: the page shows it, its GET changes nothing, its
          // button decides once; a used or forged link says so plainly.
          const approval = await ctx.stack.app.deps.repos.approvals.findById(orgId, approvalId);
          assert.ok(approval !== null);
          const links = await createSlackService(ctx.stack.app.deps).approvalLinks(approval);
          assert.ok(links !== null, "the API signs approval links");
          const slack = await ctx.newUser({ width: 420, height: 860 });
          await open(slack.page, links.deny);
          await slack.page.getByRole("heading", { name: "Deny this request?" }).waitFor();
          await slack.page.getByText("http.post").first().waitFor();
          const still = await ctx.stack.app.deps.repos.approvals.findById(orgId, approvalId);
          assert.equal(still?.status, "pending", "opening the link changed nothing");
          await ctx.shot(slack.page, "slack link confirmation");
          await slack.page.getByTestId("confirm-decision").click();
          await slack.page.getByTestId("link-outcome").getByText("denied").waitFor();
          const outcome = await held;
          assert.equal(outcome.status, 403, JSON.stringify(outcome));
          assert.equal(outcome.code, "approval_denied");
          await open(slack.page, links.deny);
          await slack.page.getByTestId("link-state").and(slack.page.locator("[data-state=used]")).waitFor();
          await ctx.shot(slack.page, "slack link used");
          const token = links.approve.split("/").pop() ?? "";
          const forged = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
          await open(slack.page, `${web}/slack/approvals/${forged}`);
          await slack.page
            .getByTestId("link-state")
            .and(slack.page.locator("[data-state=invalid]"))
            .waitFor();
          await ctx.shot(slack.page, "slack link forged");
          await slack.context.close();
        },
      );

      await ctx.step("the owner's kill switch blocks the next request and shows in the header", async () => {
        await open(p, `${web}/settings#kill-switch`);
        await p.getByTestId("kill-switch-state").and(p.locator("[data-state=off]")).waitFor();
        await p.getByLabel("Reason").fill("e2e: incident drill");
        const activatedAt = Date.now();
        await p.getByRole("button", { name: "Activate kill switch" }).click();
        await p.getByTestId("kill-switch-state").and(p.locator("[data-state=active]")).waitFor();
        await p.getByTestId("kill-switch-banner").getByText("e2e: incident drill").waitFor();
        await ctx.shot(p, "kill switch active", { fullPage: false });
        const blocked = await waitFor("the kill switch to reach the gateway", 10_000, async () => {
          const r = await bot.request("GET", `http://${apiHost}/items`);
          return r.code === "kill_switch" ? r : undefined;
        });
        ctx.figure("killSwitchToGatewayMs", Date.now() - activatedAt);
        assert.equal(blocked.status, 403);
        if (viewerPage !== undefined) {
          await open(viewerPage, `${web}/overview`);
          await viewerPage
            .getByTestId("kill-switch-state")
            .and(viewerPage.locator("[data-state=active]"))
            .waitFor();
          await ctx.shot(viewerPage, "kill switch as viewer");
        }
      });

      await ctx.step("every page renders (laptop and phone widths)", async () => {
        for (const [path, name] of [
          ["/overview", "overview"],
          ["/gateways", "gateways list"],
          ["/vault", "vault"],
          ["/settings", "settings"],
        ] as const) {
          await open(p, `${web}${path}`);
          await p.getByRole("heading", { level: 1 }).first().waitFor();
          await p.waitForFunction(
            () => !(document.querySelector(".main")?.textContent ?? "").includes("Loading"),
          );
          await ctx.shot(p, name);
        }
        await p.getByTestId("signed-in-as").waitFor();
        const phone = await ctx.newUser({ width: 390, height: 844 });
        await open(phone.page, `${web}/login`);
        await phone.page.getByLabel("Email").fill(ownerEmail);
        await phone.page.getByLabel("Password").fill(password);
        await phone.page.getByRole("button", { name: "Log in" }).click();
        await phone.page.waitForURL("**/overview");
        await phone.page.getByText("Requests per minute").waitFor();
        await phone.page.waitForFunction(
          () => document.querySelector("[data-testid=stat-requests]")?.textContent !== "…",
        );
        await ctx.shot(phone.page, "overview phone");
        await open(phone.page, `${web}/audit?gateway=${gatewayId}`);
        await phone.page.locator("[data-testid=audit-row]").first().waitFor();
        await ctx.shot(phone.page, "audit phone");
        await phone.context.close();
      });

      await ctx.step(
        "the audit page's first page renders fast with 1,000,000 events for a gateway",
        async () => {
          const deps = ctx.stack.app.deps;
          const user = await deps.repos.users.findByEmail(ownerEmail);
          assert.ok(user !== null);
          const bulk = await createGatewaysService(deps).create(
            { orgId, userId: user.id, role: "owner" },
            { name: "bulk-gateway" },
          );
          ctx.figure(
            "bulkInsertMs",
            await insertBulkEvents(ctx.stack.db.url, orgId, bulk.gateway.id, 1_000_000),
          );
          const url = `${web}/audit?gateway=${bulk.gateway.id}`;
          const cookie = (await owner.context.cookies(web)).map((c) => `${c.name}=${c.value}`).join("; ");

          // The first page is in the server's HTML: the rows paint with the page itself.
          const htmlMs: number[] = [];
          for (let i = 0; i < 5; i++) {
            const t0 = performance.now();
            const html = await (await fetch(url, { headers: { cookie } })).text();
            htmlMs.push(performance.now() - t0);
            assert.equal(
              html.split('data-testid="audit-row"').length - 1,
              50,
              "the first page of 50 rows is server-rendered",
            );
          }
          const listMs: number[] = [];
          for (let i = 0; i < 5; i++) {
            const t0 = performance.now();
            const r = await fetch(
              `${web}/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ orgId, gatewayId: bulk.gateway.id, limit: 50 }))}`,
              { headers: { cookie } },
            );
            assert.equal(r.status, 200);
            await r.json();
            listMs.push(performance.now() - t0);
          }
          // In the browser: from navigation start to the first paint (which carries the rows) and
          // to the moment a script could see the first row.
          const paintMs: number[] = [];
          const rowMs: number[] = [];
          for (let i = 0; i < 4; i++) {
            await open(p, `${web}/overview`);
            const t0 = Date.now();
            await p.goto(url, { waitUntil: "commit" });
            await p.locator("[data-testid=audit-row]").first().waitFor();
            rowMs.push(Date.now() - t0);
            paintMs.push(
              await p.evaluate(
                () =>
                  performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")
                    ?.startTime ?? Number.NaN,
              ),
            );
          }
          const median = (xs: number[]) =>
            [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
          const load = loadavg()[0] ?? 0;
          ctx.figure("audit1MServerHtmlMedianMs", Math.round(median(htmlMs)));
          ctx.figure("audit1MListQueryMedianMs", Math.round(median(listMs)));
          ctx.figure("audit1MFirstPaintColdMs", Math.round(paintMs[0] ?? Number.NaN));
          ctx.figure("audit1MFirstPaintWarmMedianMs", Math.round(median(paintMs.slice(1))));
          ctx.figure("audit1MRowVisibleWarmMedianMs", Math.round(median(rowMs.slice(1))));
          ctx.figure("loadAverageDuringAuditMeasure", load.toFixed(2));
          assert.equal(await p.locator("[data-testid=audit-row]").count(), 50);
          await ctx.shot(p, "audit one million events");
          await p.getByRole("button", { name: "Older events →" }).click();
          await p.waitForURL(/cursor=/);
          await p.locator("[data-testid=audit-row]").first().waitFor();
          // The ≤ 1 s budget is asserted when the machine is not oversubscribed by other work;
          // on a busy machine the figures are reported as measured.
          if (load < cpus().length) {
            assert.ok(
              median(paintMs.slice(1)) <= 1000,
              `first paint of the audit page took ${median(paintMs.slice(1))} ms`,
            );
          } else {
            ctx.log(`audit budget not asserted: load average ${load.toFixed(2)} on ${cpus().length} cores`);
          }
        },
      );
    } finally {
      await agent?.stop();
      await owner.context.close();
    }
  },
};
