import { failureMessage, parseEventLine } from './task-event';

describe('parseEventLine', () => {
  it('reads playbook_start with its task count', () => {
    const line = JSON.stringify({
      type: 'playbook_start',
      playbook: '/p/play.yaml',
      task_count: 10,
      plays: [
        { name: 'P', task_count: 10, sections: { main: 8, rescue: 2, always: 0, gather_facts: 0 } },
      ],
      seq: 1,
    });
    expect(parseEventLine(line)).toEqual({
      type: 'playbook_start',
      playbook: '/p/play.yaml',
      taskCount: 10,
      plays: [
        { name: 'P', taskCount: 10, sections: { main: 8, rescue: 2, always: 0, gatherFacts: 0 } },
      ],
    });
  });

  it('reads a task result', () => {
    const line = JSON.stringify({
      type: 'task',
      task: 'Remove account in OCS',
      task_uuid: 'u-1',
      action: 'ansible.builtin.uri',
      host: 'localhost',
      outcome: 'ignored',
      status: 3,
      section: 'rescue',
      in_rescue: true,
      in_always: false,
      cancelled: false,
      changed: false,
      result: { msg: 'Status code was 404' },
      seq: 7,
    });
    expect(parseEventLine(line)).toEqual({
      type: 'task',
      taskName: 'Remove account in OCS',
      taskUuid: 'u-1',
      action: 'ansible.builtin.uri',
      host: 'localhost',
      outcome: 'ignored',
      status: 3,
      section: 'rescue',
      inRescue: true,
      inAlways: false,
      cancelled: false,
      changed: false,
      result: { msg: 'Status code was 404' },
    });
  });

  it('reads task_start, cancel_requested and stats', () => {
    expect(
      parseEventLine(
        '{"type":"task_start","task":"T","task_uuid":"u","action":"debug","section":"always","in_rescue":false,"in_always":true,"handler":false}',
      ),
    ).toEqual({
      type: 'task_start',
      taskName: 'T',
      taskUuid: 'u',
      action: 'debug',
      section: 'always',
      inRescue: false,
      inAlways: true,
      handler: false,
    });
    expect(
      parseEventLine(
        '{"type":"cancel_requested","reason":"SIGTERM","interrupting_task_in_flight":true}',
      ),
    ).toEqual({ type: 'cancel_requested', reason: 'SIGTERM', interruptingTaskInFlight: true });
    expect(
      parseEventLine('{"type":"stats","hosts":{"localhost":{"ok":3,"failures":1,"rescued":1}}}'),
    ).toEqual({
      type: 'stats',
      hosts: {
        localhost: {
          ok: 3,
          failures: 1,
          unreachable: 0,
          changed: 0,
          skipped: 0,
          rescued: 1,
          ignored: 0,
        },
      },
    });
  });

  it.each([
    ['not JSON', '{"type":"task",'],
    ['not an object', '[1,2]'],
    ['an unknown type', '{"type":"future_event"}'],
    ['an unknown status', '{"type":"task","outcome":"ok","status":1}'],
    ['an unknown outcome', '{"type":"task","outcome":"weird","status":0}'],
  ])('ignores %s', (_what, line) => {
    expect(parseEventLine(line)).toBeUndefined();
  });
});

describe('failureMessage', () => {
  it('prefers msg, then the failed loop item, then stderr', () => {
    expect(failureMessage({ result: { msg: 'Status code was 500', stderr: 'x' } })).toBe(
      'Status code was 500',
    );
    expect(
      failureMessage({
        result: {
          results: [
            { failed: false, msg: 'fine' },
            { failed: true, msg: 'item 2 broke' },
          ],
        },
      }),
    ).toBe('item 2 broke');
    expect(failureMessage({ result: { stderr: 'boom' } })).toBe('boom');
    expect(failureMessage({ result: {} })).toBe('');
  });
});
