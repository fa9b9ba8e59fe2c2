import { parseServerMessage } from './json-dispatch-protocol';

describe('parseServerMessage', () => {
  it('reads login_ok, view_started and error replies', () => {
    expect(
      parseServerMessage(
        '{"type":"login_ok","reply_to":1,"server_name":"cccp-1","server_time":"2025-03-14T09:00:00Z"}',
      ),
    ).toEqual({
      ok: true,
      message: {
        type: 'login_ok',
        replyTo: 1,
        serverName: 'cccp-1',
        serverTime: new Date('2025-03-14T09:00:00Z'),
      },
    });
    expect(
      parseServerMessage('{"type":"view_started","reply_to":2,"view_idx":3,"push":false,"seq":0}'),
    ).toEqual({
      ok: true,
      message: { type: 'view_started', replyTo: 2, view: { viewIdx: 3, push: false, seq: 0 } },
    });
    expect(
      parseServerMessage('{"type":"error","reply_to":1,"code":"auth_failed","message":"no"}'),
    ).toEqual({
      ok: true,
      message: { type: 'error', replyTo: 1, code: 'auth_failed', message: 'no' },
    });
  });

  it('reads a list page and skips only its bad items, saying why', () => {
    const result = parseServerMessage(
      JSON.stringify({
        type: 'list_response',
        reply_to: 4,
        view_idx: 1,
        total_count: 3,
        seq: 7,
        at: '2025-03-14T09:00:01Z',
        next_after: 'S-3',
        items: [
          { item_id: 'S-1', fields: { login: 'alice', priority: 2, vip: true, call_id: null } },
          { fields: { login: 'nobody' } },
          { item_id: 'S-3', fields: { login: { nested: true } } },
        ],
      }),
    );
    expect(result).toEqual({
      ok: true,
      message: {
        type: 'list_response',
        replyTo: 4,
        page: {
          viewIdx: 1,
          totalCount: 3,
          seq: 7,
          at: new Date('2025-03-14T09:00:01Z'),
          nextAfter: 'S-3',
          items: [
            { itemId: 'S-1', fields: { login: 'alice', priority: 2, vip: true, call_id: null } },
          ],
        },
        skippedItems: [
          "list_response for view 1: item 1: 'item_id' should be a non-empty string but is missing",
          `list_response for view 1: item 'S-3': field 'login' should be text, a number, a boolean or null but is {"nested":true}`,
        ],
      },
    });
  });

  it('reads a view update with all three kinds of change', () => {
    expect(
      parseServerMessage(
        JSON.stringify({
          type: 'view_update',
          view_idx: 1,
          seq: 8,
          changes: [
            { op: 'added', item_id: 'a', fields: { x: '1' } },
            { op: 'changed', item_id: 'b', fields: {} },
            { op: 'removed', item_id: 'c' },
          ],
        }),
      ),
    ).toEqual({
      ok: true,
      message: {
        type: 'view_update',
        update: {
          viewIdx: 1,
          seq: 8,
          changes: [
            { op: 'added', itemId: 'a', fields: { x: '1' } },
            { op: 'changed', itemId: 'b', fields: {} },
            { op: 'removed', itemId: 'c' },
          ],
        },
      },
    });
  });

  it('rejects a whole update when one change is bad (the gap is repaired by a rescan)', () => {
    expect(
      parseServerMessage(
        '{"type":"view_update","view_idx":1,"seq":9,"changes":[{"op":"removed","item_id":"a"},{"op":"moved","item_id":"b"}]}',
      ),
    ).toEqual({
      ok: false,
      problem: `view_update: change 1: 'op' should be added, changed or removed but is "moved"`,
    });
  });

  it.each([
    ['{"type":"view_update","view_idx":1,', /^not JSON \(/],
    ['[1,2]', /^not a JSON object: \[1,2\]$/],
    ['{"reply_to":3}', /^'type' should be a string but is missing$/],
    ['{"type":"hello"}', /^hello: unknown message type "hello"$/],
    [
      '{"type":"view_update","view_idx":1,"seq":0,"changes":[]}',
      /'seq' should be an integer ≥ 1 but is 0/,
    ],
    [
      '{"type":"view_started","reply_to":2,"view_idx":1,"push":"yes","seq":0}',
      /'push' should be true or false/,
    ],
    [
      '{"type":"list_response","reply_to":2,"view_idx":1,"total_count":1,"seq":0,"at":"soon","items":[]}',
      /'at' is not a date: "soon"/,
    ],
  ])('reports %s as a problem', (text, problem) => {
    const result = parseServerMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('keeps the request a broken reply answers, so it fails at once instead of timing out', () => {
    expect(
      parseServerMessage('{"type":"list_response","reply_to":12,"view_idx":1,"items":"lots"}'),
    ).toEqual({
      ok: false,
      problem: `list_response: 'items' should be an array but is "lots"`,
      replyTo: 12,
    });
  });
});
