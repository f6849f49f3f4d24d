/**
 * The settings table's flags on the real command line: a flag wins over its variable and
 * the config file, every command takes it, and a bad one is a configuration error (78)
 * naming the setting and the flag.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './program.js';
import type { Out } from './output.js';
import { useCliSandbox } from './testing/sandbox.js';

const sandbox = useCliSandbox('wl-flags-');

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const out: Out = { json: argv.includes('--json'), stdout: (t) => (stdout += `${t}\n`), stderr: (t) => (stderr += `${t}\n`) };
  const code = await runCli(argv, { out, env: { ...sandbox.env, ...env } });
  return { code, stdout, stderr };
}

const port = async (env: NodeJS.ProcessEnv, ...flags: string[]) => JSON.parse((await cli(env, 'config', 'get', 'http.port', '--json', ...flags)).stdout) as { value: number };

describe('setting flags', () => {
  it('win over the environment, which wins over the config file', async () => {
    writeFileSync(join(sandbox.dir, 'gateway.json'), JSON.stringify({ http: { port: 8081 } }));
    expect((await port({})).value).toBe(8081);
    expect((await port({ WARDLINK_HTTP_PORT: '8082' })).value).toBe(8082);
    expect((await port({ WARDLINK_HTTP_PORT: '8082' }, '--http-port', '8083')).value).toBe(8083);
    const shown = JSON.parse((await cli({}, '--log-level', 'debug', '--durability', 'normal', 'config', 'show', '--json')).stdout) as { log: { level: string }; buffer: { durability: string } };
    expect(shown).toMatchObject({ log: { level: 'debug' }, buffer: { durability: 'normal' } });
  });

  it('refuse a bad value naming the setting and the flag', async () => {
    writeFileSync(join(sandbox.dir, 'gateway.json'), '{}');
    const bad = await cli({}, 'config', 'show', '--mqtt-port', 'x');
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/WL_CONFIG_INVALID: config: mqtt\.port \(from --mqtt-port\) must be an integer/);
  });

  it('are listed in the help with the setting they set', async () => {
    const help = await cli({}, '--help');
    // Help wraps long descriptions: match across the line break.
    expect(help.stdout).toMatch(/--hl7-port <value>\s+set hl7\.port for this command,\s+over\s+\$WARDLINK_HL7_PORT/);
  });
});
