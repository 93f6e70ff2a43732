import { describe, expect, it } from "vitest";
import { clampLimits, clampValue, parseForm, parseQuery, pick, RecordKeys, setPath } from "./body.ts";
import { normalizeHost, normalizePath, normalizePathSegments, splitHostPort } from "./path.ts";
import { riskFromName } from "./risk.ts";
import { checkRouteTemplate, compileRoutes, fillTemplate } from "./routes.ts";

describe("normalizePathSegments", () => {
  it.each([
    ["/repos/a/b/pulls/1", ["repos", "a", "b", "pulls", "1"]],
    ["/repos/a/b/../../../orgs/x", ["orgs", "x"]],
    ["/repos/a/b/../../orgs/x", ["repos", "orgs", "x"]],
    ["/repos/a/b/%2e%2e/%2E%2E/%2e%2e/orgs/x", ["orgs", "x"]],
    ["/repos/a/b/..%2f..%2f..%2forgs/x", ["orgs", "x"]],
    ["/repos/a/b/..%5c..%5c..%5corgs/x", ["orgs", "x"]],
    ["/repos\\a\\..\\b", ["repos", "b"]],
    ["/../../x", ["x"]],
    ["//a//./b//", ["a", "b"]],
    ["/a%20b/c?d=/../e", ["a b", "c"]],
    ["/", []],
    ["", []],
    ["/%252e%252e/x", ["%2e%2e", "x"]],
  ])("`%s` → %j", (raw, expected) => {
    expect(normalizePathSegments(raw)).toEqual(expected);
  });

  it.each(["/a/%zz", "/a/%", "/a#/../b", "/%E0%A4%A"])("`%s` is invalid", (raw) => {
    expect(normalizePathSegments(raw)).toBeUndefined();
  });

  it("re-joins with the characters that would change meaning re-encoded", () => {
    expect(normalizePath("/a/%3Fq%23f/%25")).toBe("/a/%3Fq%23f/%25");
    expect(normalizePathSegments(normalizePath("/a/%3Fq%23f/%25") ?? "")).toEqual(["a", "?q#f", "%"]);
  });
});

describe("normalizeHost", () => {
  it.each([
    ["API.GitHub.com", "api.github.com"],
    ["api.github.com.", "api.github.com"],
    ["api.github.com..", "api.github.com"],
    ["api.github.com:443", "api.github.com"],
    ["[::1]:8080", "::1"],
    ["::1", "::1"],
    ["ＡＰＩ.github.com", "api.github.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["аpi.github.com", "xn--pi-6kc.github.com"],
    ["evil.example/@api.github.com", ""],
    ["a b.example", ""],
    [".api.github.com", ""],
    ["api..github.com", ""],
    ["", ""],
    ["host:port", ""],
    ["[zz]:1", ""],
  ])("`%s` → `%s`", (raw, expected) => {
    expect(normalizeHost(raw)).toBe(expected);
  });

  it("splits host and port", () => {
    expect(splitHostPort("Localhost:8080")).toEqual({ host: "localhost", port: 8080 });
    expect(splitHostPort("[::1]:9")).toEqual({ host: "::1", port: 9 });
    expect(splitHostPort("::1")).toEqual({ host: "::1", port: undefined });
    expect(splitHostPort("a.example:70000")).toEqual({ host: "a.example", port: undefined });
  });
});

describe("query and form parsing", () => {
  it("keeps repeated keys as arrays and decodes + and escapes", () => {
    expect({ ...parseQuery("a=1&a=2&b=x+y%21&c&=e&&d=%zz") }).toEqual({
      a: ["1", "2"],
      b: "x y!",
      c: "",
      "": "e",
      d: "%zz",
    });
  });

  it("nests bracketed form keys and never touches a prototype", () => {
    const form = parseForm("metadata[order]=7&items[0][price]=p1&__proto__[polluted]=1&amount=100");
    expect(JSON.stringify(form)).toBe(
      '{"metadata":{"order":"7"},"items":{"0":{"price":"p1"}},"__proto__":{"polluted":"1"},"amount":"100"}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads and writes dotted paths as own properties only", () => {
    const target: Record<string, unknown> = {};
    setPath(target, "__proto__.polluted", 1);
    setPath(target, "owner.id", "u1");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(pick(target, "owner.id")).toBe("u1");
    expect(pick(target, "owner.toString")).toBeUndefined();
    expect(pick({ a: [{ b: 2 }] }, "a.0.b")).toBe(2);
  });
});

describe("clampValue", () => {
  it("returns shallow values equal", () => {
    const v = { a: [1, "x", null, { b: true }] };
    expect(clampValue(v)).toEqual(v);
  });

  it("cuts depth, width and string length", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100; i++) deep = [deep];
    let depth = 0;
    let node = clampValue(deep);
    while (Array.isArray(node)) {
      node = node[0];
      depth++;
    }
    expect({ depth, node }).toEqual({ depth: clampLimits.depth, node: "[truncated]" });
    const wide = clampValue(Array.from({ length: 5000 }, (_, i) => i)) as unknown[];
    expect(wide).toHaveLength(clampLimits.items + 1);
    expect(clampValue("y".repeat(20_000))).toBe(`${"y".repeat(clampLimits.stringLength)}[truncated]`);
  });
});

describe("compileRoutes", () => {
  const table = compileRoutes([
    { method: "GET", path: "/repos/{owner}/{repo}/issues/{number}", action: "issue.get", risk: "low" },
    { method: "GET", path: "/repos/{owner}/{repo}/issues/comments", action: "comments", risk: "low" },
    { method: "GET", path: "/repos/{owner}/{repo}/contents/{path*}", action: "file.get", risk: "low" },
    { method: "GET", path: "/{a}/{b}", action: "dynamic", risk: "low" },
    { method: "GET", path: "/static/{b}", action: "static-first", risk: "low" },
    { method: "*", path: "/any/*", action: "any", risk: "low" },
    { method: "GET", path: "/", action: "root", risk: "low" },
  ]);
  const action = (method: string, path: string) =>
    table.match(method, normalizePathSegments(path) ?? [])?.spec.action;

  it("prefers a static segment to a parameter at the first difference", () => {
    expect(action("GET", "/repos/o/r/issues/comments")).toBe("comments");
    expect(action("GET", "/repos/o/r/issues/12")).toBe("issue.get");
    expect(action("GET", "/static/x")).toBe("static-first");
    expect(action("GET", "/other/x")).toBe("dynamic");
  });

  it("captures the rest of the path, at least one segment", () => {
    expect(table.match("GET", ["repos", "o", "r", "contents", "a", "b.txt"])?.params).toEqual({
      owner: "o",
      repo: "r",
      path: "a/b.txt",
    });
    expect(action("GET", "/repos/o/r/contents")).toBeUndefined();
  });

  it("lets a `*` method match any method and finds the root route", () => {
    expect(action("PATCH", "/any/x/y")).toBe("any");
    expect(action("BREW", "/any/x")).toBe("any");
    expect(action("GET", "/")).toBe("root");
    expect(action("POST", "/")).toBeUndefined();
  });

  it("reads parameters from the original segments when matching lower-cased ones", () => {
    expect(table.match("GET", ["static", "abc"], ["STATIC", "AbC"])?.params).toEqual({ b: "AbC" });
  });

  it("fills templates back into canonical resources", () => {
    expect(
      fillTemplate("/repos/{owner}/{repo}/contents/{path*}", { owner: "o", repo: "r", path: "a/b" }),
    ).toBe("repos/o/r/contents/a/b");
    expect(fillTemplate("/any/*", { rest: "x/y" })).toBe("any/x/y");
  });

  it.each([
    ["/ok/{id}/x/{rest*}", undefined],
    ["/ok/*", undefined],
    ["no-slash", "must start with `/`"],
    ["/a/*/b", "may only end a template"],
    ["/a/{rest*}/b", "may only end a template"],
    ["/a/x{id}", "must be a whole"],
    ["/a/{id}/{id}", "appears twice"],
    ["/a/{__proto__}", "not a parameter name"],
    ["/a/../b", "dot segments"],
  ])("checks the template `%s`", (path, problem) => {
    const found = checkRouteTemplate(path);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe("riskFromName", () => {
  it.each([
    ["delete_file", "high"],
    ["deleteFile", "high"],
    ["HTTPDelete", "high"],
    ["removal_tool", "high"],
    ["execute_sql", "high"],
    ["exec", "high"],
    ["run", "high"],
    ["running_jobs", "high"],
    ["deploy", "high"],
    ["shell", "high"],
    ["dropped", "high"],
    ["runtime_info", "low"],
    ["get_settings", "low"],
    ["get_address", "low"],
    ["write_file", "medium"],
    ["create_issue", "medium"],
    ["updateRecord", "medium"],
    ["send", "medium"],
    ["post_message", "medium"],
    ["read_file", "low"],
    ["search", "low"],
    ["", "low"],
  ] as const)("`%s` is %s", (name, risk) => {
    expect(riskFromName(name)).toBe(risk);
  });
});

describe("RecordKeys", () => {
  it("returns the name, the first stored copy once seen, and stays within its bounds", () => {
    const keys = new RecordKeys(2, 5);
    const first = ["lim", "it"].join("");
    expect(keys.key(first)).toBe("limit");
    expect(keys.key(`${"lim"}${"it"}`)).toBe(first);
    expect(keys.key("a-name-too-long")).toBe("a-name-too-long");
    expect(keys.size).toBe(1);
    expect(keys.key("page")).toBe("page");
    expect(keys.key("state")).toBe("state");
    expect(keys.key("after")).toBe("after");
    expect(keys.size).toBe(2);
  });
});
