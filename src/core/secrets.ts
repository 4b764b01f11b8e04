/**
 * The secrets of a running gateway (API tokens, sink passwords, credentials in URLs), so that they
 * can be removed from anything that leaves the process: log lines (the logger's last step, after
 * pino's key-based redaction) and API error replies.
 *
 * Contract:
 * - `SecretSet.fromConfig(config)` collects every string under a key that names a secret
 *   (token, password, passwd, secret, apiKey, credentials; case-insensitive, at any depth) and the
 *   password of every `scheme://user:password@host` URL in the configuration.
 * - `add(secret)` takes further secrets at run time (e.g. a token generated at start).
 * - `scrub(text)` replaces each secret, raw and JSON-escaped, with "[redacted]". Values shorter
 *   than 4 characters are not collected: replacing them would mangle unrelated text.
 */
const SECRET_KEY = /^(tokens?|password|passwd|pass|secret|secrets|api[-_]?key|credentials?|authorization|private[-_]?key)$/i;
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^/\s@]+)@/gi;

export class SecretSet {
  readonly #values = new Set<string>();

  static fromConfig(config: unknown): SecretSet {
    const set = new SecretSet();
    set.#collect(config, false);
    return set;
  }

  add(secret: string): void {
    if (secret.length < 4) return;
    this.#values.add(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.#values.add(escaped);
  }

  get size(): number {
    return this.#values.size;
  }

  values(): string[] {
    return [...this.#values];
  }

  scrub(text: string): string {
    if (this.#values.size === 0) return text;
    let out = text;
    for (const s of this.#values) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }

  #collect(value: unknown, underSecretKey: boolean): void {
    if (typeof value === 'string') {
      if (underSecretKey) this.add(value);
      for (const m of value.matchAll(URL_PASSWORD)) this.add(decodeURIComponentSafe(m[1]!));
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) this.#collect(v, underSecretKey);
      return;
    }
    if (value && typeof value === 'object') {
      // Inside an object only its own keys decide: `tokens: [{ name, token }]` collects the token,
      // not the name.
      for (const [k, v] of Object.entries(value)) this.#collect(v, SECRET_KEY.test(k));
    }
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
