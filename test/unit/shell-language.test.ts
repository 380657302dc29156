import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContainer, run, sh, type Container } from './shell-harness.js';

let c: Container;
beforeAll(async () => {
  c = await makeContainer();
});
afterAll(async () => {
  await c.cleanup();
});

const out = async (script: string) => (await sh(c, script)).stdout;

describe('shell language', () => {
  it('quotes, escapes and parameters', async () => {
    expect(await out(`echo 'a  b' "c  d" e\\ f`)).toBe('a  b c  d e f\n');
    expect(await out(`x=hi; echo "$x" '$x' \${x}there "\${x}"`)).toBe('hi $x hithere hi\n');
    expect(await out(`echo \${u:-dflt} \${u-d2} \${u:=set}; echo $u; v=1; echo \${v:+alt}`)).toBe('dflt d2 set\nset\nalt\n');
    expect(await out(`p=/a/b/c.txt; echo \${p##*/} \${p%.*} \${p#*/} \${p%%/*}x \${#p}`)).toBe('c.txt /a/b/c a/b/c.txt x 10\n');
    expect(await out(`echo "a\\"b" "\\$x" 'it''s'`)).toBe('a"b $x its\n');
  });

  it('positional parameters, $#, $@, $0, $$', async () => {
    const r = await run(c, ['sh', '-c', 'echo $0 $# "$1" "$@"; for a in "$@"; do echo "[$a]"; done', 'name', 'one two', 'three']);
    expect(r.stdout).toBe('name 2 one two one two three\n[one two]\n[three]\n');
    expect(await out('echo $$ | grep -c "^[0-9][0-9]*$"')).toBe('1\n');
    expect(await out('set -- a b c; shift; echo $# $1')).toBe('2 b\n');
  });

  it('field splitting and globbing', async () => {
    await sh(c, 'mkdir -p /g && touch /g/a.txt /g/b.txt /g/c.log /g/.hidden');
    expect(await out('echo /g/*.txt')).toBe('/g/a.txt /g/b.txt\n');
    expect(await out('cd /g && echo *')).toBe('a.txt b.txt c.log\n');
    expect(await out('echo /g/?.log "/g/*"')).toBe('/g/c.log /g/*\n');
    expect(await out('echo /nomatch/*')).toBe('/nomatch/*\n');
    expect(await out('x="1  2   3"; for i in $x; do echo $i; done; echo "$x"')).toBe('1\n2\n3\n1  2   3\n');
  });

  it('command substitution and arithmetic', async () => {
    expect(await out('echo "$(echo a; echo b)" `echo c`')).toBe('a\nb c\n');
    expect(await out('echo $(( (2+3)*4 % 7 )) $((10/3)) $((1<2)) $((x=5, x+1))'.replace(', x+1', ''))).toBe('6 3 1 5\n');
    expect(await out('i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i')).toBe('3\n');
    expect(await out('echo $(echo $(echo nested))')).toBe('nested\n');
  });

  it('lists, and-or, pipelines, exit status', async () => {
    expect(await out('true && echo a || echo b; false && echo c || echo d')).toBe('a\nd\n');
    expect(await out('false; echo $?; ! true; echo $?')).toBe('1\n1\n');
    expect((await sh(c, 'exit 3')).code).toBe(3);
    expect((await sh(c, 'false')).code).toBe(1);
    expect((await sh(c, 'echo a | grep -q b')).code).toBe(1);
    expect(await out('echo one two | { read a b; echo "$b-$a"; }')).toBe('two-one\n');
    expect(await out('x=outer; echo hi | x=inner; echo $x')).toBe('outer\n');
  });

  it('if/elif/else, for, while, until, case, functions', async () => {
    expect(await out('if false; then echo 1; elif true; then echo 2; else echo 3; fi')).toBe('2\n');
    expect(await out('for x in a b; do for y in 1 2; do echo $x$y; done; done')).toBe('a1\na2\nb1\nb2\n');
    expect(await out('n=0; until [ $n -ge 2 ]; do echo $n; n=$((n+1)); done')).toBe('0\n1\n');
    expect(await out('for x in 1 2 3 4; do [ $x = 2 ] && continue; [ $x = 4 ] && break; echo $x; done')).toBe('1\n3\n');
    expect(await out('case foo.txt in *.log) echo log;; *.txt|*.md) echo text;; *) echo other;; esac')).toBe('text\n');
    expect(await out('f() { echo "f:$1:$#"; return 4; }; f a b; echo $?')).toBe('f:a:2\n4\n');
    expect(await out('if [ -d / ]\nthen\n  echo multi\nfi')).toBe('multi\n');
  });

  it('redirections and here-docs', async () => {
    expect(await out('echo out > /tmp/r; echo more >> /tmp/r; cat < /tmp/r')).toBe('out\nmore\n');
    const r = await sh(c, 'echo err >&2; echo both 2>&1; ls /nope 2>/dev/null; echo gone >/dev/null; cat /nope 2>&1');
    expect(r.stdout).toBe("both\ncat: can't open '/nope': No such file or directory\n");
    expect(r.stderr).toBe('err\n');
    expect(await out('x=v; cat <<EOF\nline $x\n  two\nEOF\ncat <<\'E\'\nraw $x\nE')).toBe('line v\n  two\nraw $x\n');
    const bad = await sh(c, 'echo x > /nodir/f');
    expect(bad.stderr).toBe("sh: can't create /nodir/f: nonexistent directory\n");
    expect(bad.code).toBe(1);
  });

  it('export, unset, cd, pwd, env of commands', async () => {
    expect(await out('X=1; env | grep -c "^X="; export X; env | grep "^X="')).toBe('0\nX=1\n');
    expect(await out('Y=tmp printenv Y; echo "[$Y]"')).toBe('tmp\n[]\n');
    expect(await out('cd /tmp && pwd && cd .. && pwd; cd /nope; echo $?')).toBe('/tmp\n/\n2\n');
    expect(await out('A=1; unset A; echo "[$A]"')).toBe('[]\n');
    expect((await sh(c, 'cd /nope')).stderr).toBe("sh: cd: can't cd to /nope: No such file or directory\n");
  });

  it('set -e stops at the first failure, not in conditions', async () => {
    const r = await sh(c, 'set -e; if false; then :; fi; false || true; echo reached; false; echo not');
    expect(r.stdout).toBe('reached\n');
    expect(r.code).toBe(1);
    expect((await run(c, ['sh', '-ec', 'false; echo no'])).stdout).toBe('');
  });

  it('unknown commands and syntax errors', async () => {
    const r = await sh(c, 'nosuchcmd arg; echo $?');
    expect(r.stderr).toBe('sh: nosuchcmd: not found\n');
    expect(r.stdout).toBe('127\n');
    const s = await sh(c, 'if true; then echo');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^sh: syntax error/);
  });

  it('trap EXIT, $RANDOM, here-strings, set -x, exec', async () => {
    expect(await out('trap "echo bye" EXIT; echo hi; exit 2')).toBe('hi\nbye\n');
    expect(await out('echo $RANDOM | grep -c "^[0-9][0-9]*$"')).toBe('1\n');
    expect(await out('read a b <<< "x y"; echo $b$a')).toBe('yx\n');
    expect((await sh(c, 'set -x; echo traced')).stderr).toBe('+ echo traced\n');
    expect(await out('exec echo replaced; echo never')).toBe('replaced\n');
    expect(await out('while read line; do echo "<$line>"; done <<EOF\na\nb\nEOF')).toBe('<a>\n<b>\n');
  });

  it('[[ ]]', async () => {
    await sh(c, 'mkdir -p /dd && touch /dd/a.txt');
    expect(await out('cd /dd; x="foo bar.txt"; [[ $x == *.txt && -d /tmp ]] && echo glob; [[ abc =~ ^a.c$ ]] && echo re; [[ 1 -eq 2 || ! -e /nope ]] && echo or')).toBe('glob\nre\nor\n');
  });

  it('background jobs and wait', async () => {
    expect(await out('(sleep 0.05; echo bg) & echo fg; wait; echo done')).toBe('fg\nbg\ndone\n');
  });

  it('reads a script from stdin without a tty, and script files', async () => {
    const r = await run(c, ['sh'], { stdin: 'echo one\nx=2\necho $x\nexit 5\necho never\n' });
    expect(r.stdout).toBe('one\n2\n');
    expect(r.code).toBe(5);
    await sh(c, "printf '#!/bin/sh\\necho script $1\\n' > /tmp/s.sh; chmod +x /tmp/s.sh");
    expect((await run(c, ['/tmp/s.sh', 'arg'])).stdout).toBe('script arg\n');
    expect((await run(c, ['sh', '/tmp/s.sh', 'a2'])).stdout).toBe('script a2\n');
    expect((await sh(c, '/tmp/s.sh x; cd /tmp; ./s.sh y')).stdout).toBe('script x\nscript y\n');
    await sh(c, "echo 'echo noexec' > /tmp/n.sh");
    const d = await sh(c, '/tmp/n.sh');
    expect(d.code).toBe(126);
    expect(d.stderr).toBe('sh: /tmp/n.sh: Permission denied\n');
  });

  it('direct exec of a missing binary is a start error as runc words it', async () => {
    const r = await run(c, ['foo']);
    expect(r.startError).toMatch(/OCI runtime exec failed: exec failed: unable to start container process: exec: "foo": executable file not found in \$PATH: unknown$/);
    const p = await run(c, ['/no/such']);
    expect(p.startError).toMatch(/exec: "\/no\/such": stat \/no\/such: no such file or directory: unknown$/);
    expect((await run(c, ['/bin/echo', 'hi'])).stdout).toBe('hi\n');
    expect((await run(c, ['/usr/bin/env'])).stdout).toContain('HOSTNAME=pod-0');
  });

  it('aborting stops a running command', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    const r = await sh(c, 'sleep 100; echo never', { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.stdout).toBe('');
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 50);
    await sh(c, 'while true; do :; done', { signal: ac2.signal });
  });
});
