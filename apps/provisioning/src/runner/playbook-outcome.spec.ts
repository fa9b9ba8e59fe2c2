import { type RunEvidence, decideOutcome } from './playbook-outcome';
import type { TaskEvent } from './task-event';

let number = 0;
function task(taskName: string, status: 0 | 2 | 3, partial: Partial<TaskEvent> = {}): TaskEvent {
  number += 1;
  return {
    type: 'task',
    eventNumber: number,
    taskName,
    taskUuid: `u-${number}`,
    action: 'ansible.builtin.uri',
    host: 'localhost',
    outcome: status === 0 ? 'ok' : status === 2 ? 'failed' : 'ignored',
    status,
    section: partial.inRescue ? 'rescue' : 'block',
    inRescue: false,
    inAlways: false,
    cancelled: false,
    changed: false,
    result: status === 0 ? {} : { msg: `${taskName} went wrong` },
    timestamp: '2025-01-10T14:30:00.000Z',
    ...partial,
  };
}

const evidence = (partial: Partial<RunEvidence>): RunEvidence => ({
  exitCode: 0,
  signal: null,
  cancelled: false,
  taskEvents: [],
  ...partial,
});

const assertTask = 'Set status to "Success" if Manual deprovision / Fail if failed provision';

describe('decideOutcome', () => {
  it('succeeds when Ansible exits 0', () => {
    expect(decideOutcome(evidence({ taskEvents: [task('A', 0), task('B', 0)] }))).toEqual({
      status: 0,
      reason: 'All tasks succeeded',
      rolledBack: false,
      cancelled: false,
      fatal: false,
      failedTask: undefined,
      finalFailure: undefined,
    });
  });

  it('does not fail the job for a task failed with ignore_errors', () => {
    expect(decideOutcome(evidence({ taskEvents: [task('SMS', 3), task('B', 0)] })).status).toBe(0);
  });

  it('fails a provisioning after its rollback when the rescue ends on the failing assert', () => {
    const outcome = decideOutcome(
      evidence({
        exitCode: 2,
        taskEvents: [
          task('Create account in OCS', 0),
          task('Add Service via API', 2),
          task('Remove account in OCS', 0, { inRescue: true }),
          task(assertTask, 2, { inRescue: true, result: { msg: 'Assertion failed' } }),
        ],
        stats: {
          localhost: {
            ok: 2,
            failures: 1,
            unreachable: 0,
            changed: 0,
            skipped: 0,
            rescued: 1,
            ignored: 0,
          },
        },
      }),
    );
    expect(outcome).toMatchObject({
      status: 2,
      rolledBack: true,
      fatal: false,
      failedTask: {
        taskName: 'Add Service via API',
        message: 'Add Service via API went wrong',
        inRescue: false,
      },
      finalFailure: { taskName: assertTask, inRescue: true },
    });
    expect(outcome.reason).toBe(
      `Task "Add Service via API" (Add Service via API went wrong) failed; the rescue section rolled back and ended failing on "${assertTask}" (Assertion failed)`,
    );
  });

  it('succeeds a deprovision that went through the rescue and passed the assert', () => {
    const outcome = decideOutcome(
      evidence({
        exitCode: 0,
        taskEvents: [
          task('Go straight to the rescue when deprovisioning', 2),
          task('Remove account in OCS', 0, { inRescue: true }),
          task(assertTask, 0, { inRescue: true }),
        ],
      }),
    );
    expect(outcome).toMatchObject({ status: 0, rolledBack: true, fatal: false });
    expect(outcome.reason).toMatch(/rescue/);
  });

  it('knows a rollback happened from the stats alone', () => {
    const stats = {
      localhost: {
        ok: 1,
        failures: 0,
        unreachable: 0,
        changed: 0,
        skipped: 0,
        rescued: 1,
        ignored: 0,
      },
    };
    expect(decideOutcome(evidence({ stats })).rolledBack).toBe(true);
  });

  it('fails without rollback when there is no rescue', () => {
    const outcome = decideOutcome(
      evidence({ exitCode: 2, taskEvents: [task('A', 0), task('B', 2)] }),
    );
    expect(outcome).toMatchObject({
      status: 2,
      rolledBack: false,
      fatal: false,
      finalFailure: undefined,
    });
    expect(outcome.reason).toBe('Task "B" (B went wrong) failed');
  });

  it('is fatal when Ansible failed with no failed task to explain it (syntax error, missing playbook)', () => {
    const outcome = decideOutcome(evidence({ exitCode: 4 }));
    expect(outcome).toMatchObject({ status: 2, fatal: true, rolledBack: false });
    expect(outcome.reason).toMatch(/exited with code 4/);
  });

  it('is fatal when a task failed on an undefined variable', () => {
    const undefinedVariable = task('Call CRM', 2, {
      result: {
        msg: "The task includes an option with an undefined variable. The error was: 'crm_url' is undefined",
      },
    });
    expect(decideOutcome(evidence({ exitCode: 2, taskEvents: [undefinedVariable] }))).toMatchObject(
      {
        status: 2,
        fatal: true,
      },
    );
  });

  it('is fatal when ansible-playbook could not start or was killed from outside', () => {
    expect(decideOutcome(evidence({ exitCode: null, spawnErrorCode: 'ENOENT' }))).toMatchObject({
      status: 2,
      fatal: true,
      reason: 'ansible-playbook could not be started (ENOENT)',
    });
    expect(decideOutcome(evidence({ exitCode: null, signal: 'SIGKILL' }))).toMatchObject({
      status: 2,
      fatal: true,
    });
    expect(
      decideOutcome(evidence({ exitCode: null, signal: 'SIGKILL', taskEvents: [task('A', 2)] })),
    ).toMatchObject({ status: 2, fatal: true });
  });

  it('fails a cancelled job even when the playbook ended well', () => {
    const rolledBack = decideOutcome(
      evidence({
        cancelled: true,
        exitCode: 0,
        taskEvents: [
          task('Wait', 2, { cancelled: true }),
          task('Roll back', 0, { inRescue: true }),
        ],
      }),
    );
    expect(rolledBack).toMatchObject({
      status: 2,
      cancelled: true,
      rolledBack: true,
      fatal: false,
    });
    expect(rolledBack.reason).toMatch(/^Cancelled; the rescue section rolled back/);
    expect(decideOutcome(evidence({ cancelled: true, exitCode: null })).reason).toBe(
      'Cancelled before any task ran',
    );
    expect(
      decideOutcome(evidence({ cancelled: true, exitCode: 2, taskEvents: [task('A', 2)] })).reason,
    ).toBe('Cancelled; no rescue section ran');
  });
});
