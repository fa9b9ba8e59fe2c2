import { join } from 'node:path';
import { AnsibleRunner, defaultAnsibleDir } from './ansible-runner';

describe('AnsibleRunner', () => {
  const runner = new AnsibleRunner({
    playbooksDir: '/srv/playbooks',
    env: { ANSIBLE_CONFIG: '/etc/tm.cfg' },
  });

  it('resolves playbook names inside the playbooks folder and refuses any other path', () => {
    expect(runner.playbookPath('play_simple_service')).toBe(
      '/srv/playbooks/play_simple_service.yaml',
    );
    for (const name of ['../secrets', '/etc/passwd', 'a/b', '', '.hidden', 'x..y'])
      expect(() => runner.playbookPath(name)).toThrow(RangeError);
  });

  it('finds the .yml file when there is no .yaml one', () => {
    const fixtures = new AnsibleRunner({ playbooksDir: join(defaultAnsibleDir(), 'fixtures') });
    expect(fixtures.playbookPath('ok_play')).toBe(
      join(defaultAnsibleDir(), 'fixtures', 'ok_play.yml'),
    );
  });

  it('gives Ansible only the allow-listed environment plus what loads the plugin', () => {
    const saved = { ...process.env };
    process.env.DATABASE_URL = 'postgres://app:secret@db/app';
    process.env.ANSIBLE_CALLBACKS_ENABLED = 'profile_tasks';
    process.env.TELCOMESH_EVENTS_PATH = '/tmp/elsewhere';
    try {
      const env = runner.childEnv('/tmp/run-1');
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.TELCOMESH_EVENTS_PATH).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
      expect(env).toMatchObject({
        ANSIBLE_CONFIG: '/etc/tm.cfg',
        ANSIBLE_CALLBACKS_ENABLED: 'telcomesh_events,profile_tasks',
        ANSIBLE_CALLBACK_PLUGINS: join(defaultAnsibleDir(), 'callback_plugins'),
        ANSIBLE_LOCAL_TEMP: '/tmp/run-1/ansible-tmp',
        TELCOMESH_EVENTS_FD: '3',
      });
    } finally {
      process.env = saved;
    }
  });
});
