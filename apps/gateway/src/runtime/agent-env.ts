import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dummyEnvFor } from "@tameflare/connectors";
import type { ConnectorConfig } from "@tameflare/contracts";
import { writeCaBundle } from "./ca-bundle.ts";
import { buildChildEnv, dummyValues } from "./child-env.ts";
import { preloadUrl } from "./preload-path.ts";

/** A fresh proxy password for one `tf run` (never reused, never written to disk). */
export function newAgentPassword(): string {
  return randomBytes(24).toString("base64url");
}

export interface AgentEnvInput {
  tfHome: string;
  parent: Readonly<Record<string, string>>;
  gateway: { port: number; caCertPath: string };
  agent: string;
  password: string;
  connectors: readonly ConnectorConfig[];
}

/** Everything `tf run` (and `tf doctor`) puts in the agent's environment. */
export async function prepareAgentEnv(
  input: AgentEnvInput,
): Promise<{ env: Record<string, string>; caBundlePath: string }> {
  const caPem = await readFile(input.gateway.caCertPath, "utf8");
  const caBundlePath = await writeCaBundle(input.tfHome, input.parent, caPem);
  const credentialEnvNames = input.connectors.flatMap((c) =>
    c.credential?.env === undefined ? [] : [c.credential.env],
  );
  const env = buildChildEnv({
    parent: input.parent,
    proxyUrl: `http://${encodeURIComponent(input.agent)}:${encodeURIComponent(input.password)}@127.0.0.1:${input.gateway.port}`,
    agent: input.agent,
    caBundlePath,
    preloadUrl: preloadUrl().href,
    dummies: dummyValues(dummyEnvFor([...input.connectors]), credentialEnvNames),
  });
  return { env, caBundlePath };
}
