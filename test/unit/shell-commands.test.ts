import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContainer, run, sh, type Container } from './shell-harness.js';

let c: Container;
beforeAll(async () => {
  c = await makeContainer({ image: true });
});
afterAll(async () => {
  await c.cleanup();
});

const out = async (script: string) => (await sh(c, script)).stdout;

describe('file commands', () => {
  it('cat, ls, mkdir, rm, rmdir, touch, cp, mv, ln', async () => {
    expect(await out('mkdir -p /w/a/b && touch /w/a/f && ls /w/a')).toBe('b\nf\n');
    expect((await sh(c, 'mkdir /w')).stderr).toBe("mkdir: can't create directory '/w': File exists\n");
    expect(await out('echo x > /w/x; cp /w/x /w/y; cat /w/y; mv /w/y /w/z; ls /w')).toBe('x\na\nx\nz\n');
    expect((await sh(c, 'cp /w/a /w/c')).stderr).toBe("cp: omitting directory '/w/a'\n");
    expect(await out('cp -r /w/a /w/c && ls /w/c')).toBe('b\nf\n');
    expect(await out('ln -s /w/x /w/l && cat /w/l && ls -l /w/l | sed "s/.*:[0-9][0-9] //"')).toBe('x\n/w/l -> /w/x\n');
    expect((await sh(c, 'rm /w/a')).stderr).toBe("rm: '/w/a' is a directory\n");
    expect((await sh(c, 'rm /w/nope')).stderr).toBe("rm: can't remove '/w/nope': No such file or directory\n");
    expect((await sh(c, 'rm -f /w/nope')).code).toBe(0);
    expect((await sh(c, 'rmdir /w/c')).stderr).toBe("rmdir: '/w/c': Directory not empty\n");
    expect(await out('rm -rf /w/c && ls /w')).toBe('a\nl\nx\nz\n');
    expect(await out('ls -a /w/a')).toBe('.\n..\nb\nf\n');
    expect((await sh(c, 'ls /nope')).stderr).toBe('ls: /nope: No such file or directory\n');
    expect(await out('ls -1 /w/a/f /w/a/b')).toBe('/w/a/f\n\n/w/a/b:\n');
    expect(await out('ls -R /w/a')).toBe('/w/a:\nb\nf\n\n/w/a/b:\n');
  });

  it('ls -l busybox format', async () => {
    await sh(c, 'mkdir -p /ll && printf 12345 > /ll/file && chmod 755 /ll/file');
    const l = await out('ls -l /ll');
    expect(l).toMatch(/^total \d+\n-rwxr-xr-x {4}1 root {5}root {13}5 [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d file\n$/);
  });

  it('sees volumes and the image layer', async () => {
    await fsp.writeFile(path.join(c.vol, 'index.html'), 'v0\n');
    expect(await out('cat /data/index.html; cat /etc/os-release')).toBe('v0\nNAME=Emu\n');
    expect(await out('echo v1 > /data/index.html')).toBe('');
    expect(await fsp.readFile(path.join(c.vol, 'index.html'), 'utf8')).toBe('v1\n');
  });

  it('never reaches the host outside the container', async () => {
    const secret = path.join(c.dir, 'secret');
    await fsp.writeFile(secret, 'SECRET');
    const r = await sh(c, `cat ../../../../${secret}; cat /data/../../../../${secret}; ln -s / /tmp/up; cat /tmp/up/../../${secret}; ln -s ${c.dir} /tmp/hostdir; ls /tmp/hostdir; ln -s /etc /tmp/etc; cat /tmp/etc/passwd`);
    expect(r.stdout).not.toContain('SECRET');
    expect(r.stderr).toContain("can't open");
    expect(await out('ls /tmp/up | head -3')).toBe('bin\ndata\ndev\n');
    // writes through an escaping link land inside (or fail)
    await sh(c, `ln -s ${c.dir}/written /tmp/wl; echo bad > /tmp/wl`);
    await expect(fsp.stat(path.join(c.dir, 'written'))).rejects.toThrow();
    await sh(c, 'rm -rf /tmp/up');
    expect(await out('ls / | wc -l')).not.toBe('0\n');
  });

  it('test / [', async () => {
    expect(await out('[ -d /tmp ] && echo d; [ -f /tmp ] || echo nf; [ -e /nope ] || echo ne; test -z "" && echo z; [ -n x ] && echo n')).toBe('d\nnf\nne\nz\nn\n');
    expect(await out('[ 3 -gt 2 ] && echo gt; [ a = a ] && echo eq; [ a != b ] && echo ne; [ ! -e /nope ] && echo not; [ 1 -eq 1 -a 2 -eq 2 ] && echo and')).toBe('gt\neq\nne\nnot\nand\n');
    const r = await sh(c, '[ x -eq 1 ]');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("sh: invalid number 'x'\n");
    expect((await run(c, ['test', '-d', '/tmp'])).code).toBe(0);
    expect((await run(c, ['test', '-d', '/nope'])).code).toBe(1);
  });
});

describe('text commands', () => {
  it('echo, printf', async () => {
    expect(await out('echo -n a; echo -e "b\\tc"; echo "d\\n"')).toBe('ab\tc\nd\\n\n');
    expect(await out('printf "%s=%d %5s|%-3s| %x %%\\n" a 42 r l 255')).toBe('a=42     r|l  | ff %\n');
    expect(await out('printf "%s\\n" a b c')).toBe('a\nb\nc\n');
  });

  it('head, tail, wc, grep, sort, uniq, cut, tr, sed', async () => {
    await sh(c, 'seq 1 20 > /tmp/n');
    expect(await out('head -n 2 /tmp/n; head -3 /tmp/n | tail -1; tail -n 2 /tmp/n; tail -n +19 /tmp/n')).toBe('1\n2\n3\n19\n20\n19\n20\n');
    expect(await out('head -c 3 /tmp/n; echo; tail -c 3 /tmp/n; tail -c +46 /tmp/n')).toBe('1\n2\n20\n19\n20\n');
    expect(await out('wc -l < /tmp/n; wc -l /tmp/n; echo "a b  c" | wc -w; printf abc | wc -c')).toBe('20\n20 /tmp/n\n3\n3\n');
    expect(await out('echo "      1       2       4" | cat; printf "a b\\nc\\n" | wc')).toBe('      1       2       4\n      2       3       6\n');
    expect(await out('grep 1 /tmp/n | head -3; grep -c 1 /tmp/n; grep -v "[0-9][0-9]" /tmp/n | wc -l; grep -E "^(5|15)$" /tmp/n; echo HeLLo | grep -i hello')).toBe('1\n10\n11\n11\n9\n5\n15\nHeLLo\n');
    expect((await sh(c, 'grep -q 5 /tmp/n')).code).toBe(0);
    expect((await sh(c, 'grep zz /tmp/n')).code).toBe(1);
    expect((await sh(c, 'grep x /nope')).stderr).toBe("grep: can't open '/nope': No such file or directory\n");
    expect(await out('printf "b\\na\\nc\\na\\n" | sort | uniq -c')).toBe('      2 a\n      1 b\n      1 c\n');
    expect(await out('printf "10\\n9\\n100\\n" | sort -n; printf "b\\na\\n" | sort -r')).toBe('9\n10\n100\nb\na\n');
    expect(await out('echo a:b:c | cut -d: -f1,3; echo hello | cut -c2-4; echo hello | tr -d l; echo aab | tr -s a')).toBe('a:c\nell\nheo\nab\n');
    expect(await out('echo aaa | sed s/a/b/; echo aaa | sed "s/a/b/g"; seq 3 | sed -n 2p; seq 3 | sed 2d; echo path/x | sed "s|/|_|"; echo ab | sed -E "s/(a)(b)/\\2\\1/"')).toBe('baa\nbbb\n2\n1\n3\npath_x\nba\n');
  });

  it('long lines stream; head leaves the rest of stdin', async () => {
    expect((await run(c, ['sh', '-c', 'head -n 1; echo ---; cat'], { stdin: 'a\nb\nc\n' })).stdout).toBe('a\n---\nb\nc\n');
    const big = 'x'.repeat(3_000_000);
    expect((await run(c, ['sh', '-c', 'grep -c x; echo'], { stdin: big })).stdout).toBe('1\n\n');
  });

  it('yes | head ends, tee, xargs, seq, basename, dirname', async () => {
    expect(await out('yes | head -n 2; yes no | head -1')).toBe('y\ny\nno\n');
    expect(await out('echo t | tee /tmp/tee; cat /tmp/tee')).toBe('t\nt\n');
    expect(await out('echo a b c | xargs echo x; printf "1\\n2\\n" | xargs -I{} echo n{}; echo a b | xargs -n1')).toBe('x a b c\nn1\nn2\na\nb\n');
    expect(await out('seq 3; seq 2 4; seq 0 2 4; seq -s, 3')).toBe('1\n2\n3\n2\n3\n4\n0\n2\n4\n1,2,3\n');
    expect(await out('basename /a/b/c.txt .txt; basename /a/b/; dirname /a/b/c; dirname c; dirname /a')).toBe('c\nb\n/a/b\n.\n/\n');
  });
});

describe('system commands', () => {
  it('env, printenv, hostname, id, whoami, uname, date, which', async () => {
    expect(await out('printenv HOSTNAME; hostname; id; whoami; uname; uname -n')).toBe('pod-0\npod-0\nuid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)\nroot\nLinux\npod-0\n');
    expect((await sh(c, 'printenv NOPE')).code).toBe(1);
    expect(await out('env -i A=1 env')).toBe('A=1\n');
    expect(await out('date +%Y | grep -c "^20[0-9][0-9]$"; date -d @0 "+%F %T"')).toBe('1\n1970-01-01 00:00:00\n');
    expect(await out('which cat sh wget; which nope; echo $?')).toBe('/bin/cat\n/bin/sh\n/usr/bin/wget\n1\n');
    expect((await sh(c, 'command -v ls')).stdout).toBe('/bin/ls\n');
  });

  it('sleep ends on abort; invalid numbers', async () => {
    expect((await sh(c, 'sleep x')).stderr).toBe("sleep: invalid number 'x'\n");
    const t0 = Date.now();
    expect((await sh(c, 'sleep 0.05; echo ok')).stdout).toBe('ok\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  });
});
