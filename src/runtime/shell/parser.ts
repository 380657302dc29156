// The built-in shell's parser (POSIX sh grammar, the parts test scripts use): lists, and-or, pipelines,
// simple commands with assignments and redirections, if/for/while/until/case, groups, subshells,
// functions; words with quotes, parameter expansion, command substitution, arithmetic, here-docs.

export type WordPart =
  | { k: 'lit'; v: string }
  /** quoted literal text (single quotes, escaped characters, literal text inside double quotes) */
  | { k: 'q'; v: string }
  | { k: 'dq'; parts: WordPart[] }
  | { k: 'param'; name: string; op?: string; arg?: Word; length?: boolean }
  | { k: 'cmd'; node: Node }
  | { k: 'arith'; expr: Word };
export type Word = WordPart[];

export interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&' | '<<' | '<<<' | '<>';
  target: Word;
  heredoc?: { body: string; expand: boolean; strip: boolean };
}

export type Node =
  | { t: 'simple'; assigns: { name: string; value: Word }[]; words: Word[]; redirs: Redir[] }
  | { t: 'pipeline'; cmds: Node[]; bang: boolean }
  | { t: 'andor'; first: Node; rest: { op: '&&' | '||'; node: Node }[] }
  | { t: 'list'; items: { node: Node; bg: boolean }[] }
  | { t: 'if'; clauses: { cond: Node; body: Node }[]; else?: Node }
  | { t: 'for'; name: string; words?: Word[]; body: Node }
  | { t: 'while'; until: boolean; cond: Node; body: Node }
  | { t: 'case'; word: Word; items: { patterns: Word[]; body?: Node }[] }
  | { t: 'group'; body: Node }
  | { t: 'subshell'; body: Node }
  | { t: 'func'; name: string; body: Node }
  | { t: 'redir'; node: Node; redirs: Redir[] };

export class ParseError extends Error {
  constructor(
    message: string,
    /** the input ended inside a construct: more lines could complete it */
    readonly incomplete = false,
  ) {
    super(message);
  }
}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', '{', '}', '!']);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Parser {
  pos = 0;
  private pendingHeredocs: Redir[] = [];

  constructor(private readonly src: string) {}

  private eof(): boolean {
    return this.pos >= this.src.length;
  }

  private peek(n = 0): string {
    return this.src[this.pos + n] ?? '';
  }

  private fail(msg?: string): never {
    if (this.eof()) throw new ParseError('syntax error: unexpected end of file', true);
    const tok = this.peekToken();
    throw new ParseError(msg ?? `syntax error: unexpected "${tok}"`);
  }

  private peekToken(): string {
    const m = /^(&&|\|\||;;|[;&|()<>\n]|[^\s;&|()<>]+)/.exec(this.src.slice(this.pos));
    return m ? (m[1] === '\n' ? 'newline' : m[1]!) : '';
  }

  /** skips blanks, line continuations and comments (not newlines) */
  private skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.peek(1) === '\n') this.pos += 2;
      else if (c === '#') {
        while (!this.eof() && this.peek() !== '\n') this.pos++;
      } else break;
    }
  }

  private newline(): boolean {
    this.skipBlanks();
    if (this.peek() !== '\n') return false;
    this.pos++;
    this.readHeredocs();
    return true;
  }

  private skipNewlines(): void {
    while (this.newline());
  }

  private readHeredocs(): void {
    for (const r of this.pendingHeredocs) {
      const delim = r.heredoc!.body;
      const lines: string[] = [];
      for (;;) {
        if (this.eof()) throw new ParseError('syntax error: unexpected end of file', true);
        let end = this.src.indexOf('\n', this.pos);
        if (end < 0) end = this.src.length;
        let line = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        if (r.heredoc!.strip) line = line.replace(/^\t+/, '');
        if (line === delim) break;
        lines.push(line);
      }
      r.heredoc!.body = lines.length ? lines.join('\n') + '\n' : '';
    }
    this.pendingHeredocs = [];
  }

  /** the reserved word at the position (unquoted, followed by a delimiter), without consuming it */
  private reserved(): string | undefined {
    this.skipBlanks();
    const m = /^([a-z]+|[{}!])(?=$|[\s;&|()<>])/.exec(this.src.slice(this.pos));
    return m && RESERVED.has(m[1]!) ? m[1] : undefined;
  }

  private expectReserved(w: string): void {
    if (this.reserved() !== w) this.fail();
    this.pos += w.length;
  }

  private op(s: string): boolean {
    this.skipBlanks();
    if (this.src.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  parseProgram(): Node {
    const list = this.parseList(new Set());
    this.skipNewlines();
    if (!this.eof()) this.fail();
    if (this.pendingHeredocs.length) this.readHeredocs();
    return list;
  }

  /** a list of and-or lists, up to a reserved word in `stop`, `)`, `;;` or the end */
  parseList(stop: Set<string>): Node {
    const items: { node: Node; bg: boolean }[] = [];
    for (;;) {
      this.skipNewlines();
      this.skipBlanks();
      if (this.eof()) break;
      const r = this.reserved();
      if (r && stop.has(r)) break;
      const c = this.peek();
      if (c === ')' || (c === ';' && this.peek(1) === ';')) break;
      if (c === '}' && stop.has('}')) break;
      const node = this.parseAndOr();
      this.skipBlanks();
      let bg = false;
      if (this.peek() === '&' && this.peek(1) !== '&') {
        this.pos++;
        bg = true;
      } else if (this.peek() === ';' && this.peek(1) !== ';') {
        this.pos++;
      } else if (this.peek() !== '\n' && !this.eof()) {
        items.push({ node, bg });
        const r2 = this.reserved();
        if ((r2 && stop.has(r2)) || this.peek() === ')' || (this.peek() === ';' && this.peek(1) === ';')) break;
        this.fail();
      }
      items.push({ node, bg });
    }
    return { t: 'list', items };
  }

  private parseAndOr(): Node {
    const first = this.parsePipeline();
    const rest: { op: '&&' | '||'; node: Node }[] = [];
    for (;;) {
      this.skipBlanks();
      let op: '&&' | '||' | undefined;
      if (this.src.startsWith('&&', this.pos)) op = '&&';
      else if (this.src.startsWith('||', this.pos)) op = '||';
      if (!op) break;
      this.pos += 2;
      this.skipNewlines();
      rest.push({ op, node: this.parsePipeline() });
    }
    return rest.length ? { t: 'andor', first, rest } : first;
  }

  private parsePipeline(): Node {
    let bang = false;
    if (this.reserved() === '!') {
      this.pos++;
      bang = true;
    }
    const cmds = [this.parseCommand()];
    for (;;) {
      this.skipBlanks();
      if (this.peek() === '|' && this.peek(1) !== '|') {
        this.pos++;
        this.skipNewlines();
        cmds.push(this.parseCommand());
      } else break;
    }
    return cmds.length === 1 && !bang ? cmds[0]! : { t: 'pipeline', cmds, bang };
  }

  private withRedirs(node: Node): Node {
    const redirs: Redir[] = [];
    for (;;) {
      const r = this.tryRedir();
      if (!r) break;
      redirs.push(r);
    }
    return redirs.length ? { t: 'redir', node, redirs } : node;
  }

  private parseCommand(): Node {
    this.skipBlanks();
    const r = this.reserved();
    switch (r) {
      case 'if':
        return this.withRedirs(this.parseIf());
      case 'for':
        return this.withRedirs(this.parseFor());
      case 'while':
      case 'until':
        return this.withRedirs(this.parseWhile(r === 'until'));
      case 'case':
        return this.withRedirs(this.parseCase());
      case '{': {
        this.pos++;
        const body = this.parseList(new Set(['}']));
        this.expectReserved('}');
        return this.withRedirs({ t: 'group', body });
      }
      case undefined:
        break;
      default:
        this.fail();
    }
    if (this.peek() === '(') {
      this.pos++;
      const body = this.parseList(new Set());
      this.skipNewlines();
      if (!this.op(')')) this.fail();
      return this.withRedirs({ t: 'subshell', body });
    }
    // function definition: name() compound
    const fm = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*\([ \t]*\)/.exec(this.src.slice(this.pos));
    if (fm) {
      this.pos += fm[0].length;
      this.skipNewlines();
      const body = this.parseCommand();
      return { t: 'func', name: fm[1]!, body };
    }
    // bash's [[ ... ]] (busybox ash has it too): words up to ]], with && || ( ) < > as operands
    if (/^\[\[(?=[ \t])/.test(this.src.slice(this.pos))) {
      this.pos += 2;
      const words: Word[] = [];
      for (;;) {
        this.skipBlanks();
        if (this.eof()) throw new ParseError('syntax error: unexpected end of file', true);
        const rest = this.src.slice(this.pos);
        if (/^\]\](?=$|[\s;&|)])/.test(rest)) {
          this.pos += 2;
          break;
        }
        const op = /^(&&|\|\||[()<>!])/.exec(rest);
        if (op) {
          this.pos += op[1]!.length;
          words.push([{ k: 'q', v: op[1] === '&&' ? '-a' : op[1] === '||' ? '-o' : op[1]! }]);
          continue;
        }
        const w = this.readWord();
        if (!w) this.fail();
        words.push(w);
      }
      return this.withRedirs({ t: 'simple', assigns: [], words: [[{ k: 'q', v: '[[' }], ...words], redirs: [] });
    }
    return this.parseSimple();
  }

  private parseIf(): Node {
    this.expectReserved('if');
    const clauses: { cond: Node; body: Node }[] = [];
    let elseBody: Node | undefined;
    for (;;) {
      const cond = this.parseList(new Set(['then']));
      this.expectReserved('then');
      const body = this.parseList(new Set(['elif', 'else', 'fi']));
      clauses.push({ cond, body });
      const r = this.reserved();
      if (r === 'elif') {
        this.pos += 4;
        continue;
      }
      if (r === 'else') {
        this.pos += 4;
        elseBody = this.parseList(new Set(['fi']));
      }
      this.expectReserved('fi');
      break;
    }
    return { t: 'if', clauses, else: elseBody };
  }

  private parseDoGroup(): Node {
    this.skipNewlines();
    this.expectReserved('do');
    const body = this.parseList(new Set(['done']));
    this.expectReserved('done');
    return body;
  }

  private parseFor(): Node {
    this.expectReserved('for');
    this.skipBlanks();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
    let words: Word[] | undefined;
    this.skipNewlines();
    if (this.reserved() === 'in') {
      this.pos += 2;
      words = [];
      for (;;) {
        this.skipBlanks();
        const c = this.peek();
        if (c === ';' || c === '\n' || this.eof()) break;
        const w = this.readWord();
        if (!w) this.fail();
        words.push(w);
      }
      if (this.peek() === ';') this.pos++;
    } else if (this.peek() === ';') this.pos++;
    return { t: 'for', name: m[0], words, body: this.parseDoGroup() };
  }

  private parseWhile(until: boolean): Node {
    this.pos += until ? 5 : 5;
    const cond = this.parseList(new Set(['do']));
    return { t: 'while', until, cond, body: this.parseDoGroup() };
  }

  private parseCase(): Node {
    this.expectReserved('case');
    this.skipBlanks();
    const word = this.readWord();
    if (!word) this.fail();
    this.skipNewlines();
    this.expectReserved('in');
    const items: { patterns: Word[]; body?: Node }[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.reserved() === 'esac') {
        this.pos += 4;
        break;
      }
      this.skipBlanks();
      if (this.peek() === '(') this.pos++;
      const patterns: Word[] = [];
      for (;;) {
        this.skipBlanks();
        const w = this.readWord();
        if (!w) this.fail();
        patterns.push(w);
        this.skipBlanks();
        if (this.peek() === '|') {
          this.pos++;
          continue;
        }
        if (this.peek() === ')') {
          this.pos++;
          break;
        }
        this.fail();
      }
      const body = this.parseList(new Set(['esac']));
      items.push({ patterns, body });
      this.skipNewlines();
      if (this.op(';;')) continue;
      this.skipNewlines();
      this.expectReserved('esac');
      break;
    }
    return { t: 'case', word, items };
  }

  private tryRedir(): Redir | undefined {
    this.skipBlanks();
    const m = /^(\d?)(>>|>&|>\||>|<<<|<<-|<<|<&|<>|<)/.exec(this.src.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    let op = m[2]!;
    const fd = m[1] ? Number(m[1]) : op.startsWith('<') ? 0 : 1;
    if (op === '>|') op = '>';
    this.skipBlanks();
    if (op === '<<<') {
      const w = this.readWord();
      if (!w) this.fail();
      return { fd, op: '<<<', target: w };
    }
    if (op === '<<' || op === '<<-') {
      const w = this.readWord();
      if (!w) this.fail();
      const quoted = w.some((p) => p.k !== 'lit');
      const delim = w.map((p) => (p.k === 'lit' || p.k === 'q' ? p.v : p.k === 'dq' ? p.parts.map((q) => ('v' in q ? q.v : '')).join('') : '')).join('');
      const r: Redir = { fd, op: '<<', target: [], heredoc: { body: delim, expand: !quoted, strip: op === '<<-' } };
      this.pendingHeredocs.push(r);
      return r;
    }
    const target = this.readWord();
    if (!target) this.fail();
    return { fd, op: op as Redir['op'], target };
  }

  private parseSimple(): Node {
    const assigns: { name: string; value: Word }[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const r = this.tryRedir();
      if (r) {
        redirs.push(r);
        continue;
      }
      this.skipBlanks();
      if (this.eof() || META.has(this.peek())) break;
      if (words.length === 0) {
        const am = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(this.src.slice(this.pos));
        if (am) {
          this.pos += am[0].length;
          assigns.push({ name: am[1]!, value: this.readWord() ?? [] });
          continue;
        }
      }
      const w = this.readWord();
      if (!w) break;
      words.push(w);
    }
    if (!assigns.length && !words.length && !redirs.length) this.fail();
    return { t: 'simple', assigns, words, redirs };
  }

  /** reads a word up to an unquoted metacharacter (or `}` / other stop characters) */
  readWord(stop = ''): Word | undefined {
    const parts: WordPart[] = [];
    const start = this.pos;
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ k: 'lit', v: lit });
      lit = '';
    };
    for (;;) {
      if (this.eof()) break;
      const c = this.peek();
      if (stop ? stop.includes(c) : META.has(c)) break;
      if (c === '\\') {
        const n = this.peek(1);
        this.pos += 2;
        if (n === '\n') continue;
        flush();
        if (n === '') {
          lit += '\\';
          continue;
        }
        parts.push({ k: 'q', v: n });
        continue;
      }
      if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) {
          this.pos = this.src.length;
          throw new ParseError('syntax error: unterminated quoted string', true);
        }
        flush();
        parts.push({ k: 'q', v: this.src.slice(this.pos + 1, end) });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        this.pos++;
        flush();
        parts.push({ k: 'dq', parts: this.readDq('"') });
        continue;
      }
      if (c === '$' || c === '`') {
        const p = this.readDollar();
        if (p) {
          flush();
          parts.push(p);
          continue;
        }
      }
      lit += c;
      this.pos++;
    }
    flush();
    return this.pos > start ? parts : undefined;
  }

  /** the inside of double quotes (or of an unquoted here-doc, with end = '') */
  readDq(end: string): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ k: 'q', v: lit });
      lit = '';
    };
    for (;;) {
      if (this.eof()) {
        if (end) throw new ParseError('syntax error: unterminated quoted string', true);
        break;
      }
      const c = this.peek();
      if (c === end) {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '$' || n === '`' || n === '\\' || (end && n === '"') || n === '\n') {
          this.pos += 2;
          if (n !== '\n') lit += n;
          continue;
        }
        lit += c;
        this.pos++;
        continue;
      }
      if (c === '$' || c === '`') {
        const p = this.readDollar();
        if (p) {
          flush();
          parts.push(p);
          continue;
        }
      }
      lit += c;
      this.pos++;
    }
    flush();
    return parts;
  }

  private readDollar(): WordPart | undefined {
    const c = this.peek();
    if (c === '`') {
      // backquotes: the text up to the closing backquote, `\`` and `\\` unescaped, parsed as a program
      let i = this.pos + 1;
      let inner = '';
      for (;;) {
        if (i >= this.src.length) throw new ParseError('syntax error: unterminated quoted string', true);
        const ch = this.src[i]!;
        if (ch === '\\' && (this.src[i + 1] === '`' || this.src[i + 1] === '\\' || this.src[i + 1] === '$')) {
          inner += this.src[i + 1];
          i += 2;
          continue;
        }
        if (ch === '`') break;
        inner += ch;
        i++;
      }
      this.pos = i + 1;
      return { k: 'cmd', node: parse(inner) };
    }
    const n = this.peek(1);
    if (n === '(' && this.peek(2) === '(') {
      // $(( expr ))
      let depth = 0;
      let i = this.pos + 3;
      for (; i < this.src.length; i++) {
        const ch = this.src[i];
        if (ch === '(') depth++;
        else if (ch === ')') {
          if (depth === 0 && this.src[i + 1] === ')') break;
          depth--;
        }
      }
      if (i >= this.src.length) throw new ParseError('syntax error: unterminated arithmetic', true);
      const inner = this.src.slice(this.pos + 3, i);
      this.pos = i + 2;
      const sub = new Parser(inner);
      return { k: 'arith', expr: sub.readDq('') };
    }
    if (n === '(') {
      this.pos += 2;
      const node = this.parseList(new Set());
      this.skipNewlines();
      if (this.peek() !== ')') {
        if (this.eof()) throw new ParseError('syntax error: unterminated command substitution', true);
        this.fail();
      }
      this.pos++;
      return { k: 'cmd', node };
    }
    if (n === '{') {
      this.pos += 2;
      let length = false;
      if (this.peek() === '#' && this.peek(1) !== '}') {
        length = true;
        this.pos++;
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*|\d+|[@*#?$!\-0])/.exec(this.src.slice(this.pos));
      if (!m) throw new ParseError('syntax error: bad substitution');
      this.pos += m[1]!.length;
      const name = m[1]!;
      if (this.peek() === '}') {
        this.pos++;
        return { k: 'param', name, length };
      }
      const om = /^(:-|:=|:\+|:\?|##|%%|-|=|\+|\?|#|%)/.exec(this.src.slice(this.pos));
      if (!om || length) throw new ParseError('syntax error: bad substitution');
      this.pos += om[1]!.length;
      const arg = this.readWordInBraces();
      return { k: 'param', name, op: om[1], arg };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|\d|[@*#?$!\-])/.exec(this.src.slice(this.pos + 1));
    if (!m) return undefined;
    this.pos += 1 + m[1]!.length;
    return { k: 'param', name: m[1]! };
  }

  private readWordInBraces(): Word {
    const parts: WordPart[] = [];
    for (;;) {
      if (this.eof()) throw new ParseError('syntax error: unterminated ${', true);
      if (this.peek() === '}') {
        this.pos++;
        return parts;
      }
      const w = this.readWord('}');
      if (w) parts.push(...w);
      else {
        // a metacharacter (a space) inside ${x:-a b}: literal
        parts.push({ k: 'lit', v: this.peek() });
        this.pos++;
      }
    }
  }
}

/** Parses a shell program. Throws ParseError (with `incomplete` when more input could complete it). */
export function parse(src: string): Node {
  return new Parser(src).parseProgram();
}

/** Parses here-doc text (or any text) as the inside of double quotes. */
export function parseDqText(src: string): WordPart[] {
  return new Parser(src).readDq('');
}

export function isName(s: string): boolean {
  return NAME_RE.test(s);
}
