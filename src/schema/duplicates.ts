// Duplicate keys in a JSON text, as paths in the form sigs.k8s.io/json's strict decoder reports
// them (`duplicate field "metadata.name"`; keys joined with '.', list indices as `[i]`).
// JSON.parse keeps the last value silently, so this scans the text itself.

class Scanner {
  i = 0;
  readonly found: string[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  private fail(): never {
    throw new SyntaxError(`invalid JSON at offset ${this.i}`);
  }

  private str(): string {
    const start = this.i;
    if (this.s[this.i] !== '"') this.fail();
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
    if (this.i >= this.s.length) this.fail();
    this.i++;
    return JSON.parse(this.s.slice(start, this.i));
  }

  value(path: string): void {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') {
      this.str();
      return;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
  }

  private object(path: string): void {
    this.i++;
    const keys = new Set<string>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.str();
      const child = path ? `${path}.${key}` : key;
      if (keys.has(key)) {
        if (!this.seen.has(child)) this.found.push(child);
        this.seen.add(child);
      }
      keys.add(key);
      this.ws();
      if (this.s[this.i++] !== ':') this.fail();
      this.value(child);
      this.ws();
      const sep = this.s[this.i++];
      if (sep === '}') return;
      if (sep !== ',') this.fail();
    }
  }

  private array(path: string): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.value(`${path}[${n}]`);
      this.ws();
      const sep = this.s[this.i++];
      if (sep === ']') return;
      if (sep !== ',') this.fail();
    }
  }
}

/** Paths of duplicated keys in a JSON document (each once, in order of appearance); [] for invalid JSON. */
export function findDuplicateFields(rawJson: string): string[] {
  const sc = new Scanner(rawJson);
  try {
    sc.value('');
  } catch {
    return [];
  }
  return sc.found;
}
