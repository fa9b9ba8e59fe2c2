/* The callback plugin's own rules, checked with the Python that runs ansible-playbook. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AnsibleRunner } from './ansible-runner';
import { isSecretKey, redactSecrets, redactText } from './redaction';
import type { PlaybookStartEvent, RunnerEvent, TaskEvent } from './task-event';
import { LoopbackApi } from './testing/loopback-api';

const run = promisify(execFile);
const ANSIBLE_DIR = join(__dirname, '../../ansible');
const PLUGIN_DIR = join(ANSIBLE_DIR, 'callback_plugins');

/** The interpreter of ansible-playbook (its shebang), which has the ansible package. */
async function ansiblePython(): Promise<string> {
  const { stdout } = await run('/bin/sh', ['-c', 'command -v ansible-playbook']);
  const firstLine = (await readFile(stdout.trim(), 'utf8')).split('\n')[0];
  return firstLine.replace(/^#!\s*/, '').split(/\s+/)[0];
}

const PARITY_SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
import telcomesh_events as plugin
cases = json.load(sys.stdin)
print(json.dumps({
    'keys': [plugin.is_secret_key(k) for k in cases['keys']],
    'texts': [plugin.redact_text(t) for t in cases['texts']],
    'values': [plugin.redact(v) for v in cases['values']],
}))
`;

describe('telcomesh_events callback plugin', () => {
  it('redacts exactly as the runner does (Python and TypeScript rules in step)', async () => {
    const cases = {
      keys: [
        'password',
        'db_passwd',
        'clientSecret',
        'access_token',
        'Authorization',
        'api_key',
        'apiKey',
        'key',
        'ki',
        'Ki',
        'sim_ki',
        'OPc',
        'opc_value',
        'pin1',
        'puk',
        'kind',
        'skipped',
        'monkey',
        'iccid',
        'imsi',
        'msisdn',
        'keyword',
        'topic',
      ],
      texts: [
        'Authorization: Bearer eyJhbGciOi.payload.sig',
        'call http://admin:hunter2@ocs.local/jsonrpc',
        '{"ki": "465B5CE8", "iccid": "8991"}',
        "{'opc': 'CD63', 'imsi': '00101'}",
        'url?access_token=abc123&page=2',
        'nothing secret here',
      ],
      values: [
        { sim: { ki: 'x', opc: 'y', iccid: '8991' }, list: [{ token: 't', kind: 'k' }], n: 3 },
        { headers: { Authorization: 'Bearer abc' }, msg: 'Basic dXNlcjpwYXNz' },
        { password: null, ok: true },
      ],
    };
    const child = execFile(await ansiblePython(), ['-c', PARITY_SCRIPT, PLUGIN_DIR], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const output = new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: string) => (stdout += chunk));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`python exited ${code}`)),
      );
    });
    child.stdin!.end(JSON.stringify(cases));
    const python = JSON.parse(await output) as {
      keys: boolean[];
      texts: string[];
      values: unknown[];
    };

    expect(python.keys).toEqual(cases.keys.map(isSecretKey));
    expect(python.texts).toEqual(cases.texts.map((text) => redactText(text)));
    expect(python.values).toEqual(cases.values.map((value) => redactSecrets(value)));
    // And the rules themselves, on both sides.
    expect(Object.fromEntries(cases.keys.map((k, i) => [k, python.keys[i]]))).toMatchObject({
      ki: true,
      OPc: true,
      sim_ki: true,
      kind: false,
      skipped: false,
      monkey: false,
      iccid: false,
      keyword: false,
    });
  });

  it('counts tasks up front across pre_tasks, roles, nested block/rescue/always, imports and includes', async () => {
    const events: RunnerEvent[] = [];
    const runner = new AnsibleRunner({ playbooksDir: join(ANSIBLE_DIR, 'fixtures') });
    const result = await runner.start({
      playbook: 'counting',
      extraVars: {},
      connection: 'local',
      onEvent: (event) => void events.push(event),
    }).done;

    const start = events[0] as PlaybookStartEvent;
    expect(start).toMatchObject({
      type: 'playbook_start',
      taskCount: 14,
      plays: [
        {
          name: 'Fixture - counting',
          taskCount: 14,
          sections: { main: 9, rescue: 3, always: 1, gatherFacts: 1 },
        },
      ],
    });
    // A successful run reports fewer results than counted (no rescue) plus what the dynamic
    // include brought in.
    expect(events.filter((e): e is TaskEvent => e.type === 'task').map((e) => e.taskName)).toEqual([
      'Gathering Facts',
      'Pre task',
      'Role task one',
      'Role task two',
      'Outer block task',
      'Inner block task',
      'Always task',
      'Imported task one',
      'Imported task two',
      'Include tasks',
      'Included task one',
      'Included task two',
      'Post task',
    ]);
    expect(result).toMatchObject({ status: 0, taskCount: 14 });
  });

  it('rolls the job back when nobody reads its events any more (the service died mid-run)', async () => {
    const api = await new LoopbackApi().listen();
    const runDir = await mkdtemp(join(tmpdir(), 'plugin-it-'));
    try {
      const fixtures = join(ANSIBLE_DIR, 'fixtures');
      const runner = new AnsibleRunner({ playbooksDir: fixtures });
      // Launched as the runner does, but this test plays the service and drops the event pipe.
      const child = spawn(
        'ansible-playbook',
        [
          runner.playbookPath('gated'),
          '-i',
          'localhost,',
          '-c',
          'local',
          '-e',
          JSON.stringify({ api_url: api.url, job: 'orphan', access_token: 't' }),
        ],
        { env: runner.childEnv(runDir), stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      await api.waitFor((r) => r.path === '/gate/orphan');
      child.stdio[3]!.destroy();
      api.release('orphan');

      // The block stops where it was and the rescue runs; the provisioning step never does.
      expect(await exited).toBe(2);
      expect(api.paths()).toEqual([
        'GET /gate/orphan',
        'POST /rollback/orphan',
        'POST /always/orphan',
      ]);
    } finally {
      await api.close();
      await rm(runDir, { recursive: true, force: true });
    }
  });
});
