/** What is known about a run that ended badly, for guessing why. */
export interface FailureEvidence {
  exitCode: number | null;
  signal: string | null;
  /** `code` of the error Node gave when ansible-playbook could not be started (ENOENT...). */
  spawnErrorCode?: string;
  stdout: string;
  stderr: string;
  /** Error messages of the failed tasks, if any ran. */
  taskMessages?: readonly string[];
}

interface Diagnosis {
  pattern: RegExp;
  cause: (match: RegExpMatchArray) => string;
  /** Skip when this also matches (a more precise diagnosis already applies). */
  unless?: RegExp;
}

// Ordered from the most specific; each matching diagnosis adds one cause.
const DIAGNOSES: readonly Diagnosis[] = [
  {
    pattern:
      /Syntax Error while loading YAML|We were unable to read either as JSON nor YAML|mapping values are not allowed|found character that cannot start any token|did not find expected/i,
    cause: () =>
      'YAML syntax error in the playbook (indentation, an unclosed quote or bracket, a tab): see the line shown in stderr',
  },
  {
    // The name first: Ansible says "an undefined variable" before naming it.
    pattern: /'([A-Za-z_][\w.]*)' is undefined/,
    cause: (m) =>
      `Undefined variable '${m[1]}': not in the product's provisioning_json_vars, the request, nor the system variables`,
  },
  {
    pattern: /AnsibleUndefinedVariable|undefined variable/i,
    cause: () => 'Undefined variable: a variable used by the playbook is not passed to it',
    unless: /'[A-Za-z_][\w.]*' is undefined/,
  },
  {
    pattern:
      /the playbook: .* could not be found|Could not find or access|Unable to retrieve file contents|No such file or directory/i,
    cause: () =>
      'Missing file: the playbook (check the product\u2019s provisioning_play and the playbooks folder) or a file it includes',
  },
  {
    pattern: /couldn't resolve module\/action|was not found in configured module paths/i,
    cause: () =>
      'Unknown module or action: misspelt, or its collection is not installed on this host',
  },
  {
    pattern:
      /is not a valid attribute for a|conflicting action statements|no module\/action detected/i,
    cause: () => 'Invalid task structure: an unknown keyword or two actions in one task',
  },
  {
    pattern: /template error while templating string|TemplateSyntaxError|unexpected '}'/i,
    cause: () => 'Jinja2 template error in an expression of the playbook',
  },
  {
    pattern:
      /UNREACHABLE!|Failed to connect to the host|Could not resolve hostname|Connection refused/i,
    cause: () =>
      'Connection failure: a host of the inventory or an API the playbook calls is not reachable',
  },
  {
    pattern: /A worker was found in a dead state/i,
    cause: () => 'An Ansible worker process died (out of memory, or killed from outside)',
  },
  {
    pattern: /Unexpected Exception, this is probably a bug/i,
    cause: () => 'Internal Ansible error: see the traceback in the output',
  },
];

/** Seed 002's "list of common causes" for a fatal error, derived from what the run printed. */
export function likelyCauses(evidence: FailureEvidence): string[] {
  if (evidence.spawnErrorCode === 'ENOENT')
    return ['ansible-playbook is not installed or not on the PATH (install ansible-core)'];
  if (evidence.spawnErrorCode === 'EACCES')
    return ['ansible-playbook exists but cannot be executed (check its permissions)'];
  if (evidence.spawnErrorCode)
    return [`ansible-playbook could not be started (${evidence.spawnErrorCode})`];

  const output = [evidence.stderr, evidence.stdout, ...(evidence.taskMessages ?? [])].join('\n');
  const causes: string[] = [];
  for (const diagnosis of DIAGNOSES) {
    const match = output.match(diagnosis.pattern);
    if (match && !diagnosis.unless?.test(output)) causes.push(diagnosis.cause(match));
  }
  if (evidence.signal)
    causes.push(
      `ansible-playbook was killed by ${evidence.signal} (out of memory, an operator, or the service stopping)`,
    );
  else if (evidence.exitCode === 5)
    causes.push('Invalid ansible-playbook options (inventory or arguments given by the runner)');
  else if (evidence.exitCode === 99) causes.push('The run was interrupted (SIGINT)');
  if (causes.length === 0)
    causes.push(
      `Unrecognised failure (exit code ${evidence.exitCode ?? 'none'}): read stderr and stdout`,
    );
  return causes;
}
