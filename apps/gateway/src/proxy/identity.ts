import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The agents allowed to use this gateway: proxy credentials (Basic) per `tf run`.
 * Passwords are compared in constant time on their SHA-256; a recently seen valid header
 * is remembered so the hot path does no decoding.
 */
export class AgentRegistry {
  readonly #agents = new Map<string, Buffer>();
  readonly #seen = new Map<string, string>();

  constructor(agents: Record<string, string> = {}) {
    for (const [name, password] of Object.entries(agents)) this.set(name, password);
  }

  set(name: string, password: string): void {
    if (name === "" || name.includes(":")) throw new Error(`agents: \`${name}\` is not a valid agent name`);
    this.#agents.set(name, digest(password));
    this.#seen.clear();
  }

  /** Adds an agent with a random password (what `tf run --agent NAME` hands its child). */
  add(name: string): { username: string; password: string } {
    const password = randomBytes(18).toString("base64url");
    this.set(name, password);
    return { username: name, password };
  }

  /** The agent name for a Proxy-Authorization header, or undefined (→ 407). */
  identify(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const cached = this.#seen.get(header);
    if (cached !== undefined) return cached;
    const match = /^basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
    if (!match) return undefined;
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return undefined;
    const name = decoded.slice(0, colon);
    const expected = this.#agents.get(name);
    if (!expected || !timingSafeEqual(expected, digest(decoded.slice(colon + 1)))) return undefined;
    if (this.#seen.size > 1000) this.#seen.clear();
    this.#seen.set(header, name);
    return name;
  }
}

function digest(password: string): Buffer {
  return createHash("sha256").update(password).digest();
}
