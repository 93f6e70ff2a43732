import { describe, expect, it } from "vitest";
import { buildProbes, doctorAgent, doctorSecret, judgeProbe } from "./probes.ts";

const probes = buildProbes(["/usr/bin/python3"]);
const curl = probes.find((p) => p.id === "curl")!;
const throughGateway = { agent: doctorAgent, authorization: `Bearer ${doctorSecret}` };

describe("judgeProbe", () => {
  it("passes only when the target saw the gateway's agent header and the injected credential", () => {
    expect(judgeProbe(curl, { exitCode: 0, output: "{}" }, throughGateway, "/b.pem")).toEqual({ kind: "ok" });
    expect(
      judgeProbe(
        curl,
        { exitCode: 0, output: "{}" },
        { agent: undefined, authorization: undefined },
        "/b.pem",
      ).kind,
    ).toBe("failed");
  });

  it("names the CA variable to set when the runtime distrusts the gateway", () => {
    const verdict = judgeProbe(
      curl,
      { exitCode: 60, output: "curl: (60) SSL certificate problem: unable to get local issuer certificate" },
      undefined,
      "/home/u/.tameflare/runtime/ca-bundle-1.pem",
    );
    expect(verdict).toEqual({
      kind: "failed",
      problem: "does not trust the gateway's ca",
      fix: "set CURL_CA_BUNDLE=/home/u/.tameflare/runtime/ca-bundle-1.pem (tf run does), or remove the setting that overrides it",
    });
  });

  it("says the proxy variables are ignored when the host did not resolve", () => {
    const fetchProbe = probes.find((p) => p.id === "node-fetch")!;
    const verdict = judgeProbe(
      fetchProbe,
      { exitCode: 1, output: "Error: getaddrinfo ENOTFOUND doctor.tameflare.test" },
      undefined,
      "/b",
    );
    expect(verdict).toMatchObject({ kind: "failed", problem: "does not use the proxy variables" });
  });

  it("reports a runtime that is not installed as skipped, not failed", () => {
    const httpx = probes.find((p) => p.id === "py0-httpx")!;
    expect(judgeProbe(httpx, { exitCode: 3, output: "TF_DOCTOR_MISSING\n" }, undefined, "/b").kind).toBe(
      "missing",
    );
    expect(
      judgeProbe(curl, { exitCode: null, output: "", spawnError: "`curl` not found" }, undefined, "/b").kind,
    ).toBe("missing");
  });
});
