/**
 * The gateway's Debian package as IT gets it. `pnpm package --only gateway` builds it once
 * (beforeAll); the tests read its metadata, run its maintainer scripts against stand-in
 * user tools, check its systemd unit with systemd-analyze, and run the daemon from the
 * extracted files, never from the checkout: a minimal environment, a temp folder as
 * working directory, and the native module's path checked in the process's memory map.
 *
 * Not `dpkg -i`: a real install creates a system user on the test machine, and
 * `dpkg --root` runs the maintainer scripts chrooted into a root without /bin/sh.
 * `dpkg-deb -x` lays out exactly the files dpkg would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, copyFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const canBuild = onPath('dpkg-deb') && onPath('pnpm');
if (!canBuild) console.log('SKIPPED: the Debian package tests (dpkg-deb or pnpm is not installed)');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the worker (so vitest's timeouts still work). */
function exec(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function ok(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.code)}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** What the daemon sees: no NODE_OPTIONS or loaders from the test runner, no checkout paths. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', WARDLINK_KEEP_USER: '1', ...extra };
}

describe.skipIf(!canBuild)('the wardlink-gateway Debian package', () => {
  let work: string;
  let deb: string;
  let root: string;
  let buildSeconds = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wl-package-'));
    const t0 = Date.now();
    const out = await ok(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/package.ts', '--only', 'gateway', '--no-typecheck', '--json', '--out', join(work, 'out')]);
    buildSeconds = (Date.now() - t0) / 1000;
    const summary = JSON.parse(out.trim().split('\n').pop()!) as { ok: boolean; packages: Array<{ path: string }> };
    expect(summary.ok).toBe(true);
    deb = summary.packages[0]!.path;
    root = join(work, 'root');
    await ok('dpkg-deb', ['-x', deb, root]);
    console.log(`package built in ${buildSeconds.toFixed(1)} s: ${deb} (${(statSync(deb).size / 1024 / 1024).toFixed(1)} MiB)`);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is named <package>_<version>_<arch>.deb and depends on Node 20', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'gateway', 'package.json'), 'utf8')) as { version: string }).version;
    const arch = (await ok('dpkg', ['--print-architecture'])).trim();
    expect(deb.endsWith(`/wardlink-gateway_${version}_${arch}.deb`)).toBe(true);
    const field = async (name: string) => (await ok('dpkg-deb', ['-f', deb, name])).trim();
    expect(await field('Package')).toBe('wardlink-gateway');
    expect(await field('Version')).toBe(version);
    expect(await field('Architecture')).toBe(arch);
    // The native modules are built for Node 20's ABI: exactly that major.
    expect(await field('Depends')).toMatch(/nodejs \(>= 20\), nodejs \(<< 21\)/);
  });

  it('holds the unit, the launcher, the config as a conffile, the data folder and its maintainer scripts', async () => {
    expect((await ok('dpkg-deb', ['-I', deb, 'conffiles'])).trim()).toBe('/etc/wardlink/gateway.json');
    const listing = await ok('dpkg-deb', ['-c', deb]);
    const entry = (path: string) => listing.split('\n').find((l) => l.endsWith(` ./${path}`) || l.includes(` ./${path} -> `));
    expect(entry('lib/systemd/system/wardlink-gateway.service')).toMatch(/^-rw-r--r-- root\/root/);
    expect(entry('usr/bin/wardlink-gateway')).toMatch(/^-rwxr-xr-x root\/root/);
    expect(entry('etc/wardlink/gateway.json')).toMatch(/^-rw-r----- root\/root/);
    expect(entry('var/lib/wardlink/')).toMatch(/^drwxr-x--- root\/root/);
    // Only the data folder is private, not the /var and /var/lib dpkg would create.
    expect(entry('var/lib/')).toMatch(/^drwxr-xr-x /);
    expect(entry('usr/lib/wardlink-gateway/dist/cli/main.js')).toBeDefined();
    expect(listing).toMatch(/better-sqlite3\/build\/Release\/better_sqlite3\.node\n/);
    // Nothing of Wardlink's TypeScript sources ships (dependencies keep their .d.ts).
    const ours = listing.split('\n').filter((l) => / \.\/usr\/lib\/wardlink-gateway\/(dist\/|src\/|node_modules\/\.pnpm\/@wardlink\+)/.test(l));
    expect(ours.length).toBeGreaterThan(100);
    expect(ours.filter((l) => /\.ts$|\/src\/|\.map$/.test(l))).toEqual([]);

    const control = join(work, 'control');
    await ok('dpkg-deb', ['-e', deb, control]);
    for (const script of ['postinst', 'prerm', 'postrm']) {
      expect(statSync(join(control, script)).mode & 0o111, script).not.toBe(0);
      expect((await exec('sh', ['-n', join(control, script)])).code, `${script} parses`).toBe(0);
    }
  });

  it('postinst makes the wardlink user in dialout, idempotently; purge deletes it but keeps the data', async () => {
    // Stand-ins for the user tools, logging their calls and keeping users in files: the
    // real ones would change this machine. DPKG_ROOT points the scripts' paths at a fake root.
    const control = join(work, 'control');
    const fake = join(work, 'fake');
    const bin = join(fake, 'bin');
    const state = join(fake, 'state');
    const froot = join(fake, 'root');
    mkdirSync(bin, { recursive: true });
    mkdirSync(state, { recursive: true });
    mkdirSync(join(froot, 'etc', 'wardlink'), { recursive: true });
    copyFileSync(join(root, 'etc', 'wardlink', 'gateway.json'), join(froot, 'etc', 'wardlink', 'gateway.json'));
    const tool = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${state}/log"\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    tool('getent', `[ -e "${state}/$1-$2" ]`);
    tool('groupadd', `touch "${state}/group-$2"`);
    tool('useradd', `for a; do last=$a; done; touch "${state}/passwd-$last"`);
    tool('usermod', 'true');
    tool('userdel', `rm "${state}/passwd-$1"`);
    tool('groupdel', `rm "${state}/group-$1"`);
    tool('chown', 'true');
    tool('systemctl', 'true');
    const env = { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, DPKG_ROOT: froot };
    const log = () => readFileSync(join(state, 'log'), 'utf8');
    const cut = () => rmSync(join(state, 'log'), { force: true });

    await ok('sh', [join(control, 'postinst'), 'configure', ''], { env });
    expect(log()).toMatch(/^groupadd --system wardlink$/m);
    expect(log()).toMatch(/^useradd --system --gid wardlink .*--shell \/usr\/sbin\/nologin .*wardlink$/m);
    expect(log()).toMatch(/^usermod --append --groups dialout wardlink$/m);
    expect(log()).toContain(`chown -R wardlink:wardlink ${froot}/var/lib/wardlink`);
    expect(log()).toContain(`chown wardlink:wardlink ${froot}/etc/wardlink/gateway.json`);
    expect(statSync(join(froot, 'var', 'lib', 'wardlink')).mode & 0o777).toBe(0o750);
    expect(statSync(join(froot, 'etc', 'wardlink', 'gateway.json')).mode & 0o777).toBe(0o600);

    // Again, as an upgrade from the same version: nothing is made twice, dialout still ensured.
    cut();
    await ok('sh', [join(control, 'postinst'), 'configure', '0.1.0'], { env });
    expect(log()).not.toMatch(/^(groupadd|useradd) /m);
    expect(log()).toMatch(/^usermod --append --groups dialout wardlink$/m);

    cut();
    writeFileSync(join(froot, 'var', 'lib', 'wardlink', 'gateway.db'), '');
    const purge = await exec('sh', [join(control, 'postrm'), 'purge'], { env });
    expect(purge.code).toBe(0);
    expect(log()).toMatch(/^userdel wardlink$/m);
    expect(existsSync(join(state, 'passwd-wardlink'))).toBe(false);
    expect(existsSync(join(froot, 'var', 'lib', 'wardlink', 'gateway.db'))).toBe(true);
    expect(purge.stderr).toContain('kept');
  });

  it('has the unit the issue asks for: restart on failure, a read-only system, serial ports only, SIGHUP reload', () => {
    const unit = readFileSync(join(root, 'lib', 'systemd', 'system', 'wardlink-gateway.service'), 'utf8');
    const lines = unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l));
    for (const want of [
      'Type=simple',
      'User=wardlink',
      'SupplementaryGroups=dialout',
      'ExecStart=/usr/bin/wardlink-gateway run',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'Restart=on-failure',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'NoNewPrivileges=yes',
      'ReadWritePaths=/var/lib/wardlink',
      'DevicePolicy=closed',
      'DeviceAllow=char-ttyS rw',
      'DeviceAllow=char-ttyUSB rw',
      'DeviceAllow=char-ttyACM rw',
    ]) {
      expect(lines, want).toContain(want);
    }
    // The data folder is the only writable path.
    expect(lines.filter((l) => /^(ReadWritePaths|StateDirectory|LogsDirectory|CacheDirectory)=/.test(l))).toEqual(['ReadWritePaths=/var/lib/wardlink']);
  });

  it('passes systemd-analyze verify (the gateway unit and the cloud unit)', async () => {
    if (!onPath('systemd-analyze')) {
      console.log('SKIPPED: systemd-analyze verify (systemd-analyze is not installed)');
      return;
    }
    for (const [name, unitFile, launcher] of [
      ['wardlink-gateway', join(root, 'lib', 'systemd', 'system', 'wardlink-gateway.service'), join(root, 'usr', 'bin', 'wardlink-gateway')],
      ['wardlink-cloud', join(ROOT, 'packaging', 'cloud', 'wardlink-cloud.service'), join(ROOT, 'packaging', 'cloud', 'wardlink-cloud')],
    ] as const) {
      // A root holding this machine's units (the targets it names), /bin/kill and the
      // launcher, so verify also checks that ExecStart and ExecReload exist.
      const vroot = join(work, `verify-${name}`);
      mkdirSync(join(vroot, 'lib', 'systemd'), { recursive: true });
      mkdirSync(join(vroot, 'usr', 'bin'), { recursive: true });
      mkdirSync(join(vroot, 'bin'), { recursive: true });
      cpSync('/lib/systemd/system', join(vroot, 'lib', 'systemd', 'system'), { recursive: true, verbatimSymlinks: true });
      copyFileSync(unitFile, join(vroot, 'lib', 'systemd', 'system', `${name}.service`));
      copyFileSync(launcher, join(vroot, 'usr', 'bin', name));
      chmodSync(join(vroot, 'usr', 'bin', name), 0o755);
      if (existsSync('/bin/kill')) copyFileSync('/bin/kill', join(vroot, 'bin', 'kill'));
      chmodSync(join(vroot, 'bin'), 0o755);
      const r = await exec('systemd-analyze', ['verify', `--root=${vroot}`, `/lib/systemd/system/${name}.service`]);
      // verify exits 0 on a directive it ignores: any line about the unit is a failure.
      const about = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes(`${name}.service`));
      expect(about, `${name}: ${r.stderr}`).toEqual([]);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('is self-contained: every link stays inside the package, better-sqlite3 loads from it', async () => {
    const app = join(root, 'usr', 'lib', 'wardlink-gateway');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = join(dir, e.name);
        return e.isSymbolicLink() ? [p] : e.isDirectory() ? walk(p) : [];
      });
    const outside = walk(app).filter((l) => !realpathSync(l).startsWith(`${root}/`));
    expect(outside).toEqual([]);
    expect(lstatSync(join(app, 'node_modules', '@wardlink', 'shared')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(app, 'node_modules', '@wardlink', 'shared', 'dist', 'index.js'))).toBe(true);

    const probe = "const p = require.resolve('better-sqlite3'); const D = require('better-sqlite3'); new D(':memory:').close(); console.log(p);";
    const resolved = (await ok(process.execPath, ['-e', probe], { cwd: app, env: cleanEnv({}) })).trim();
    expect(resolved.startsWith(`${app}/node_modules/`)).toBe(true);
  });

  it('runs from the extracted files: the CLI registers a bed, the daemon answers /healthz, reloads on SIGHUP, stops on SIGTERM', async () => {
    const launcher = join(root, 'usr', 'bin', 'wardlink-gateway');
    const run = join(work, 'run');
    mkdirSync(run);
    // The shipped config with a temp data folder and free ports: what IT edits, minus /var/lib.
    const shipped = JSON.parse(readFileSync(join(root, 'etc', 'wardlink', 'gateway.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const config = {
      ...shipped,
      gatewayId: 'pkg-test',
      dataDir: join(run, 'data'),
      http: { ...shipped.http, port: 0 },
      mqtt: { ...shipped.mqtt, port: 0 },
      hl7: { ...shipped.hl7, port: 0 },
    };
    const configPath = join(run, 'gateway.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const env = cleanEnv({ WARDLINK_GATEWAY_CONFIG: configPath });

    // The shipped file as it is: valid, and its database in the packaged data folder.
    const shippedShow = await ok(launcher, ['config', 'show', '--json', '-c', join(root, 'etc', 'wardlink', 'gateway.json')], { cwd: run, env });
    expect(JSON.parse(shippedShow)).toMatchObject({ dataDir: '/var/lib/wardlink', databasePath: '/var/lib/wardlink/gateway.db' });

    expect((await exec(launcher, ['bed', 'add', 'bed-01', '--json'], { cwd: run, env })).code).toBe(0);
    expect(await ok(launcher, ['bed', 'list', '--json'], { cwd: run, env })).toContain('bed-01');

    let child: ChildProcess | undefined;
    try {
      child = spawn(launcher, ['run', '--json'], { cwd: run, env });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child!.on('exit', (code) => done(code)));
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('"started":true')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the daemon did not start:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const ports = (JSON.parse(stdout.split('\n').find((l) => l.includes('"started":true'))!) as { ports: { http: number } }).ports;

      // The launcher exec'd node: this pid is the daemon, and its native code is the package's.
      const maps = readFileSync(`/proc/${child.pid!}/maps`, 'utf8');
      const sqlite = maps.split('\n').find((l) => l.includes('better_sqlite3.node'));
      expect(sqlite).toContain(`${root}/usr/lib/wardlink-gateway/node_modules/`);

      const health = async () => {
        const res = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
        return { status: res.status, body: (await res.json()) as { status: string } };
      };
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });

      // systemctl reload: the unit's ExecReload sends SIGHUP.
      child.kill('SIGHUP');
      const reloadBy = Date.now() + 10_000;
      while (!stderr.includes('configuration reloaded') && Date.now() < reloadBy) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain('configuration reloaded');
      expect(await health()).toMatchObject({ status: 200 });

      // systemctl stop: SIGTERM flushes and exits 0, which systemd counts as a clean stop.
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('buffer flushed');
      expect(existsSync(join(run, 'data', 'gateway.db'))).toBe(true);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
