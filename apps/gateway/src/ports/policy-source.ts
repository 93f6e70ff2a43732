import type { PolicyDocument } from "@tameflare/contracts";
import type { CompiledPolicy, ConnectorRegistry } from "../config/engine.ts";

/** A connector's real secret, resolved when the document was loaded (or why it could not be). */
export type CredentialResolution = { ok: true; secret: string } | { ok: false; message: string };

/** One usable policy: the document, its compiled form and everything derived from it. */
export interface PolicySnapshot {
  /** File hash (local) or bundle version (connected). */
  version: string;
  document: PolicyDocument;
  compiled: CompiledPolicy;
  registry: ConnectorRegistry;
  /** By connector name; connectors without a `credential` are absent. */
  credentials: ReadonlyMap<string, CredentialResolution>;
  /** Extra PEM roots for upstream TLS (`upstream_ca`). */
  upstreamCaPem: string | undefined;
}

/**
 * Port: where the gateway's policy comes from. `current()` is read on every request (it
 * must be cheap); undefined means no valid policy, and the gateway answers 503 `no_policy`.
 * Local mode: a file with hot reload; connected mode: signed bundles from the API.
 */
export interface PolicySource {
  current(): PolicySnapshot | undefined;
  subscribe(listener: (snapshot: PolicySnapshot) => void): () => void;
  close(): Promise<void>;
}
