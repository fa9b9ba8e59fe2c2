import { type FailureEvidence, likelyCauses } from './likely-causes';

const evidence = (partial: Partial<FailureEvidence>): FailureEvidence => ({
  exitCode: 1,
  signal: null,
  stdout: '',
  stderr: '',
  ...partial,
});

describe('likelyCauses', () => {
  it('says Ansible is not installed when it could not be spawned', () => {
    expect(likelyCauses(evidence({ exitCode: null, spawnErrorCode: 'ENOENT' }))).toEqual([
      expect.stringMatching(/not installed/),
    ]);
    expect(likelyCauses(evidence({ exitCode: null, spawnErrorCode: 'EACCES' }))).toEqual([
      expect.stringMatching(/cannot be executed/),
    ]);
  });

  it('recognises a YAML syntax error', () => {
    const stderr =
      'ERROR! We were unable to read either as JSON nor YAML\nSyntax Error while loading YAML.\n  did not find expected key';
    expect(likelyCauses(evidence({ exitCode: 4, stderr }))).toEqual([
      expect.stringMatching(/^YAML syntax error/),
    ]);
  });

  it('names the undefined variable, from the output or a task message', () => {
    const message =
      "The task includes an option with an undefined variable. The error was: 'crm_url' is undefined";
    expect(likelyCauses(evidence({ exitCode: 2, taskMessages: [message] }))).toEqual([
      expect.stringMatching(/^Undefined variable 'crm_url'/),
    ]);
    expect(
      likelyCauses(evidence({ exitCode: 4, stderr: 'AnsibleUndefinedVariable somewhere' })),
    ).toEqual([expect.stringMatching(/^Undefined variable: /)]);
  });

  it('recognises a missing playbook and an unknown module', () => {
    expect(
      likelyCauses(evidence({ stderr: 'ERROR! the playbook: /p/x.yaml could not be found' })),
    ).toEqual([expect.stringMatching(/^Missing file/)]);
    expect(
      likelyCauses(
        evidence({ exitCode: 4, stderr: "couldn't resolve module/action 'ansible.builtin.urii'" }),
      ),
    ).toEqual([expect.stringMatching(/^Unknown module/)]);
  });

  it('reports a kill by signal and bad options', () => {
    expect(likelyCauses(evidence({ exitCode: null, signal: 'SIGKILL' }))).toEqual([
      expect.stringMatching(/killed by SIGKILL/),
    ]);
    expect(likelyCauses(evidence({ exitCode: 5 }))).toEqual([expect.stringMatching(/options/)]);
  });

  it('lists every cause that applies, and falls back to reading the output', () => {
    const stderr = "Could not resolve hostname crm\n'ocs_url' is undefined";
    expect(likelyCauses(evidence({ exitCode: 2, stderr }))).toHaveLength(2);
    expect(likelyCauses(evidence({ exitCode: 3, stdout: 'something odd' }))).toEqual([
      'Unrecognised failure (exit code 3): read stderr and stdout',
    ]);
  });
});
