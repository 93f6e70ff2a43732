import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedTestDatabase, testBackends } from "../../../../tests/support/index.ts";
import { createRepositories, type Repositories, withTransaction } from "./index.ts";

const unique = () => randomBytes(5).toString("hex");

describe.each(testBackends)("withTransaction on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;
  beforeAll(async () => {
    opened = await backend.open();
    repos = createRepositories(opened.db.prisma);
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it("commits every repository write together, including methods that open their own transaction", async () => {
    const slug = `t-${unique()}`;
    const policyName = `p-${unique()}`;
    const orgId = await withTransaction(opened.db.prisma, async (tx) => {
      const org = await tx.organizations.create({ name: "T", slug });
      if (!org.ok) throw new Error(org.message);
      const policy = await tx.policies.create({
        orgId: org.value.id,
        policy: { name: policyName, rules: [{ name: "r", decision: "deny" }] },
      });
      if (!policy.ok) throw new Error(policy.message);
      return org.value.id;
    });
    expect(await repos.organizations.findBySlug(slug)).not.toBeNull();
    expect((await repos.policies.list(orgId)).map((p) => p.name)).toEqual([policyName]);
  });

  it("rolls back every write when the callback throws", async () => {
    const slug = `r-${unique()}`;
    let orgId = "";
    await expect(
      withTransaction(opened.db.prisma, async (tx) => {
        const org = await tx.organizations.create({ name: "R", slug });
        if (!org.ok) throw new Error(org.message);
        orgId = org.value.id;
        const policy = await tx.policies.create({
          orgId,
          policy: { name: "kept?", rules: [{ name: "r", decision: "allow" }] },
        });
        if (!policy.ok) throw new Error(policy.message);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await repos.organizations.findBySlug(slug)).toBeNull();
    expect(await repos.policies.list(orgId)).toEqual([]);
  });
});
