import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import * as x509 from "@peculiar/x509";
import { ecdsaP256, ecdsaSha256, type LoadedCa, randomSerial, toPem } from "./ca.ts";

const dayMs = 24 * 3600 * 1000;
const leafValidityMs = 30 * dayMs;

interface Entry {
  context: Promise<SecureContext>;
  renewAfterMs: number;
}

/**
 * Mints leaf certificates per host (DNS names, and IP addresses as IP SANs), signed by the
 * gateway CA, and caches the TLS SecureContext in an LRU. One P-256 key pair is shared by
 * all leaves of a process (as mitmproxy does): minting is then a single signature.
 */
export class LeafCertificates {
  readonly #ca: LoadedCa;
  readonly #max: number;
  readonly #cache = new Map<string, Entry>();
  #keys: Promise<{ pair: CryptoKeyPair; keyPem: string }> | undefined;

  constructor(ca: LoadedCa, maxEntries = 1000) {
    this.#ca = ca;
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#cache.size;
  }

  /** The SecureContext for `host`, minted on first use. */
  contextFor(rawHost: string, nowMs = Date.now()): Promise<SecureContext> {
    const host = normalizeCertHost(rawHost);
    const hit = this.#cache.get(host);
    if (hit && hit.renewAfterMs > nowMs) {
      // Refresh recency: a Map iterates in insertion order, so re-inserting marks it newest.
      this.#cache.delete(host);
      this.#cache.set(host, hit);
      return hit.context;
    }
    const context = this.#mint(host, nowMs);
    const entry: Entry = { context, renewAfterMs: nowMs + leafValidityMs - dayMs };
    this.#cache.set(host, entry);
    context.catch(() => {
      if (this.#cache.get(host) === entry) this.#cache.delete(host);
    });
    while (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    return context;
  }

  async #mint(host: string, nowMs: number): Promise<SecureContext> {
    this.#keys ??= generateLeafKeys();
    const { pair, keyPem } = await this.#keys;
    const ip = isIP(host) !== 0;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${ip ? host : host.slice(0, 64)}`,
      issuer: this.#ca.cert.subject,
      notBefore: new Date(nowMs - dayMs),
      notAfter: new Date(nowMs + leafValidityMs),
      publicKey: pair.publicKey,
      signingKey: this.#ca.key,
      signingAlgorithm: ecdsaSha256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: ip ? "ip" : "dns", value: host }]),
        await x509.AuthorityKeyIdentifierExtension.create(this.#ca.cert),
        await x509.SubjectKeyIdentifierExtension.create(pair.publicKey),
      ],
    });
    return createSecureContext({ key: keyPem, cert: `${cert.toString("pem")}\n${this.#ca.certPem}` });
  }
}

async function generateLeafKeys(): Promise<{ pair: CryptoKeyPair; keyPem: string }> {
  const pair = (await webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", pair.privateKey as unknown as webcrypto.CryptoKey);
  return { pair, keyPem: toPem(pkcs8, "PRIVATE KEY") };
}

/** Lower-case, no trailing dot, no IPv6 brackets. */
export function normalizeCertHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}
