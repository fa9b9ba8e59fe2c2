import { CGRATES_ZERO_TIME, CgratesSimulator, parseGoDuration } from './cgrates';

interface RpcAnswer {
  id: unknown;
  result: unknown;
  error: string | null;
}

const TENANT = 'mnc001.mcc001.3gppnetwork.org';

describe('CgratesSimulator over HTTP', () => {
  const simulator = new CgratesSimulator();
  let baseUrl = '';
  let nextId = 1;

  async function post(body: unknown): Promise<Response> {
    return fetch(`${baseUrl}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /** Calls `method`, checks the HTTP 200 and the id echo, and gives back `{result, error}`. */
  async function rpc(
    method: string,
    args?: unknown,
    id: unknown = nextId++,
  ): Promise<Omit<RpcAnswer, 'id'>> {
    const response = await post({ method, params: args === undefined ? undefined : [args], id });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { id: echoed, ...answer } = (await response.json()) as RpcAnswer;
    expect(echoed).toEqual(id);
    return answer;
  }

  async function setAccount(account: string, extra: Record<string, unknown> = {}): Promise<void> {
    const answer = await rpc('ApierV2.SetAccount', {
      Tenant: TENANT,
      Account: account,
      ActionPlanIds: [],
      ExtraOptions: { AllowNegative: false, Disabled: false },
      ...extra,
    });
    expect(answer).toEqual({ result: 'OK', error: null });
  }

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());
  beforeEach(() => simulator.reset());

  it('listens on an ephemeral loopback port', () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(baseUrl).not.toMatch(/:0$/);
  });

  it('creates an account with ApierV2.SetAccount, echoing the request id', async () => {
    const answer = await rpc(
      'ApierV2.SetAccount',
      {
        Tenant: TENANT,
        Account: 'Service_1',
        ActionPlanIds: [],
        ExtraOptions: { AllowNegative: false, Disabled: false },
      },
      42,
    );
    expect(answer).toEqual({ result: 'OK', error: null });
    expect(simulator.account(TENANT, 'Service_1')).toMatchObject({
      ID: `${TENANT}:Service_1`,
      Tenant: TENANT,
      Account: 'Service_1',
      BalanceMap: {},
      AllowNegative: false,
      Disabled: false,
      ActionPlanIDs: [],
    });
    expect(simulator.accounts(TENANT).map((a) => a.Account)).toEqual(['Service_1']);
    expect(simulator.accounts('other.tenant')).toEqual([]);
    expect(simulator.calls).toEqual([
      expect.objectContaining({
        id: 42,
        method: 'ApierV2.SetAccount',
        params: [expect.objectContaining({ Account: 'Service_1' })],
        result: 'OK',
        error: null,
      }),
    ]);
  });

  it('echoes string ids and answers null for a missing id', async () => {
    const named = await post({ method: 'ApierV1.GetAccount', params: [{}], id: 'abc' });
    expect(await named.json()).toEqual({ id: 'abc', result: null, error: 'NOT_FOUND' });
    const response = await post({ method: 'ApierV1.GetAccount', params: [{}] });
    expect(await response.json()).toEqual({ id: null, result: null, error: 'NOT_FOUND' });
  });

  it('updates ExtraOptions on an existing account and matches field names case-insensitively', async () => {
    await setAccount('Service_2');
    await rpc('ApierV2.SetAccount', {
      tenant: TENANT,
      ACCOUNT: 'Service_2',
      ExtraOptions: { AllowNegative: true, Disabled: true },
    });
    expect(simulator.accounts(TENANT)).toHaveLength(1);
    expect(simulator.account(TENANT, 'Service_2')).toMatchObject({
      AllowNegative: true,
      Disabled: true,
    });
  });

  it('answers MANDATORY_IE_MISSING naming the missing fields in order', async () => {
    expect(await rpc('ApierV2.SetAccount', { Tenant: TENANT })).toEqual({
      result: null,
      error: 'MANDATORY_IE_MISSING: [Account]',
    });
    expect((await rpc('ApierV2.SetAccount', { Account: '  ' })).error).toBe(
      'MANDATORY_IE_MISSING: [Tenant Account]',
    );
    expect((await rpc('ApierV1.RemoveAccount', {})).error).toBe(
      'MANDATORY_IE_MISSING: [Tenant Account]',
    );
    expect((await rpc('ApierV1.AddBalance', { Tenant: TENANT, Account: 'a' })).error).toBe(
      'MANDATORY_IE_MISSING: [BalanceType]',
    );
    expect((await rpc('APIerSv1.RemoveAttributeProfile', {})).error).toBe(
      'MANDATORY_IE_MISSING: [ID]',
    );
    expect(simulator.accounts(TENANT)).toEqual([]);
  });

  it('answers like Go net/rpc for unknown methods, unknown services and missing params', async () => {
    expect(await rpc('ApierV2.Frobnicate', {})).toEqual({
      result: null,
      error: "rpc: can't find method ApierV2.Frobnicate",
    });
    expect((await rpc('NopeV1.SetAccount', {})).error).toBe(
      "rpc: can't find service NopeV1.SetAccount",
    );
    expect((await rpc('SetAccount', {})).error).toBe(
      'rpc: service/method request ill-formed: SetAccount',
    );
    expect((await rpc('ApierV2.SetAccount')).error).toBe('jsonrpc: request body missing params');
    const notArray = await post({
      method: 'ApierV2.SetAccount',
      params: { Tenant: TENANT },
      id: 1,
    });
    expect(((await notArray.json()) as RpcAnswer).error).toBe(
      'json: cannot unmarshal object into Go value of type [1]interface {}',
    );
  });

  it('rejects wrongly typed fields with the engine decoding error', async () => {
    expect((await rpc('ApierV2.SetAccount', { Tenant: TENANT, Account: 7 })).error).toBe(
      'json: cannot unmarshal number into Go struct field AttrSetAccount.Account of type string',
    );
    expect(
      (
        await rpc('ApierV2.SetAccount', {
          Tenant: TENANT,
          Account: 'a',
          ExtraOptions: { AllowNegative: 'no' },
        })
      ).error,
    ).toBe(
      'json: cannot unmarshal string into Go struct field AttrSetAccount.ExtraOptions of type bool',
    );
    expect((await rpc('ApierV2.SetAccount', 'Service_1')).error).toBe(
      'json: cannot unmarshal string into Go value of type v2.AttrSetAccount',
    );
  });

  it.each(['ApierV1.RemoveAccount', 'ApierV2.RemoveAccount'])(
    '%s removes the account, then answers NOT_FOUND',
    async (method) => {
      await setAccount('Service_3');
      expect(await rpc(method, { Tenant: TENANT, Account: 'Service_3' })).toEqual({
        result: 'OK',
        error: null,
      });
      expect(simulator.account(TENANT, 'Service_3')).toBeUndefined();
      expect((await rpc(method, { Tenant: TENANT, Account: 'Service_3' })).error).toBe('NOT_FOUND');
    },
  );

  it('tops up with ApierV1.AddBalance as play_topup_monetary does', async () => {
    await setAccount('Service_4');
    const before = Date.now();
    const answer = await rpc('ApierV1.AddBalance', {
      Tenant: TENANT,
      Account: 'Service_4',
      BalanceType: '*monetary',
      Balance: { Value: '1500.0', ExpiryTime: '+4320h' },
    });
    expect(answer).toEqual({ result: 'OK', error: null });
    const monetary = simulator.account(TENANT, 'Service_4')?.BalanceMap['*monetary'];
    expect(monetary).toHaveLength(1);
    expect(monetary?.[0].Value).toBe(1500);
    const expires = Date.parse(monetary?.[0].ExpirationDate ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 4320 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 4320 * 3_600_000 + 1000);
  });

  it('adds to the same balance without ID or expiry, and keeps balance types apart', async () => {
    await setAccount('Service_5');
    const add = (BalanceType: string, extra: Record<string, unknown>) =>
      rpc('ApierV1.AddBalance', { Tenant: TENANT, Account: 'Service_5', BalanceType, ...extra });
    expect((await add('*data', { Value: 1024 })).result).toBe('OK');
    expect((await add('*data', { Balance: { Value: 512 } })).result).toBe('OK');
    expect((await add('*sms', { Balance: { ID: 'bundle', Value: 100 } })).result).toBe('OK');
    expect((await add('*sms', { Balance: { ID: 'bundle', Value: 50 } })).result).toBe('OK');
    expect((await add('*voice', { Value: 60, Overwrite: true })).result).toBe('OK');
    expect((await add('*voice', { Value: 30, Overwrite: true })).result).toBe('OK');

    const answer = await rpc('ApierV2.GetAccount', { Tenant: TENANT, Account: 'Service_5' });
    expect(answer.error).toBeNull();
    const account = answer.result as {
      ID: string;
      BalanceMap: Record<string, { ID: string; Value: number; ExpirationDate: string }[]>;
    };
    expect(account.ID).toBe(`${TENANT}:Service_5`);
    expect(Object.keys(account.BalanceMap).sort()).toEqual(['*data', '*sms', '*voice']);
    expect(account.BalanceMap['*data']).toEqual([
      expect.objectContaining({ ID: '', Value: 1536, ExpirationDate: CGRATES_ZERO_TIME }),
    ]);
    expect(account.BalanceMap['*sms']).toEqual([
      expect.objectContaining({ ID: 'bundle', Value: 150 }),
    ]);
    expect(account.BalanceMap['*voice']).toEqual([expect.objectContaining({ Value: 30 })]);
    expect(account).not.toHaveProperty('ActionPlanIDs');
    expect(account).not.toHaveProperty('Tenant');
  });

  it('answers NOT_FOUND to AddBalance and GetAccount for an unknown account', async () => {
    const args = { Tenant: TENANT, Account: 'ghost', BalanceType: '*monetary', Value: 10 };
    expect((await rpc('ApierV1.AddBalance', args)).error).toBe('NOT_FOUND');
    expect((await rpc('ApierV2.GetAccount', { Tenant: TENANT, Account: 'ghost' })).error).toBe(
      'NOT_FOUND',
    );
    expect((await rpc('ApierV1.GetAccount', { Tenant: TENANT, Account: 'ghost' })).error).toBe(
      'NOT_FOUND',
    );
    expect(simulator.account(TENANT, 'ghost')).toBeUndefined();
  });

  it('rejects an unknown balance type, a bad value and a bad expiry', async () => {
    await setAccount('Service_6');
    const add = (extra: Record<string, unknown>) =>
      rpc('ApierV1.AddBalance', { Tenant: TENANT, Account: 'Service_6', ...extra });
    expect((await add({ BalanceType: '*gold', Value: 1 })).error).toBe(
      'SERVER_ERROR: unsupported balance type <*gold>',
    );
    expect((await add({ BalanceType: '*data', Balance: { Value: 'lots' } })).error).toBe(
      'strconv.ParseFloat: parsing "lots": invalid syntax',
    );
    expect((await add({ BalanceType: '*data', Value: '10' })).error).toBe(
      'json: cannot unmarshal string into Go struct field AttrAddBalance.Value of type float64',
    );
    expect(
      (await add({ BalanceType: '*data', Balance: { Value: 1, ExpiryTime: 'next week' } })).error,
    ).toBe('Unsupported time format');
    expect(simulator.account(TENANT, 'Service_6')?.BalanceMap).toEqual({});
  });

  it('leaves a disabled account untouched but still answers OK, as the engine does', async () => {
    await setAccount('Service_7', { ExtraOptions: { Disabled: true } });
    const answer = await rpc('ApierV1.AddBalance', {
      Tenant: TENANT,
      Account: 'Service_7',
      BalanceType: '*monetary',
      Value: 10,
    });
    expect(answer.result).toBe('OK');
    expect(simulator.account(TENANT, 'Service_7')?.BalanceMap).toEqual({});
  });

  it('creates the account on AddBalance when told to behave like the real engine', async () => {
    const engine = new CgratesSimulator({ addBalanceCreatesAccount: true });
    const url = await engine.start();
    try {
      const response = await fetch(`${url}/jsonrpc`, {
        method: 'POST',
        body: JSON.stringify({
          method: 'ApierV1.AddBalance',
          params: [{ Tenant: TENANT, Account: 'fresh', BalanceType: '*sms', Value: 5 }],
          id: 1,
        }),
      });
      expect(await response.json()).toEqual({ id: 1, result: 'OK', error: null });
      expect(engine.account(TENANT, 'fresh')?.BalanceMap['*sms']?.[0].Value).toBe(5);
    } finally {
      await engine.stop();
    }
  });

  it('sets and removes attribute profiles, NOT_FOUND the second time', async () => {
    expect((await rpc('APIerSv1.SetAttributeProfile', { ID: 'ATTR_ACCOUNT_S1' })).error).toBe(
      'MANDATORY_IE_MISSING: [Attributes]',
    );
    const set = await rpc('APIerSv1.SetAttributeProfile', {
      ID: 'ATTR_ACCOUNT_S1',
      Contexts: ['*any'],
      Attributes: [{ Path: '*req.Account', Value: 'S1' }],
    });
    expect(set.result).toBe('OK');
    expect(Object.keys(simulator.attributes())).toEqual(['ATTR_ACCOUNT_S1']);
    const remove = () => rpc('APIerSv1.RemoveAttributeProfile', { ID: 'ATTR_ACCOUNT_S1' });
    expect(await remove()).toEqual({ result: 'OK', error: null });
    expect(simulator.attributes()).toEqual({});
    expect(await remove()).toEqual({ result: null, error: 'NOT_FOUND' });
  });

  it('keeps action plans and attaches accounts only to known ones', async () => {
    const plan = { Id: 'AP_MONTHLY', ActionPlan: [{ ActionsId: 'ACT_TOPUP', Time: '*monthly' }] };
    expect((await rpc('APIerSv1.SetActionPlan', {})).error).toBe('MANDATORY_IE_MISSING: [Id]');
    expect((await rpc('APIerSv1.SetActionPlan', plan)).result).toBe('OK');
    expect((await rpc('ApierV1.SetActionPlan', plan)).error).toBe('EXISTS');
    expect((await rpc('ApierV1.SetActionPlan', { ...plan, Overwrite: true })).result).toBe('OK');
    expect(Object.keys(simulator.actionPlans())).toEqual(['AP_MONTHLY']);

    const unknown = await rpc('ApierV2.SetAccount', {
      Tenant: TENANT,
      Account: 'Service_8',
      ActionPlanIds: ['AP_NOPE'],
    });
    expect(unknown.error).toBe('SERVER_ERROR: NOT_FOUND');
    expect(simulator.account(TENANT, 'Service_8')).toBeUndefined();
    await setAccount('Service_8', { ActionPlanIds: ['AP_MONTHLY'] });
    expect(simulator.account(TENANT, 'Service_8')?.ActionPlanIDs).toEqual(['AP_MONTHLY']);
  });

  it('failNext(method, error) fails that method once with an RPC error, leaving state alone', async () => {
    simulator.failNext('ApierV2.SetAccount', 'SERVER_ERROR: connection refused');
    const failed = await rpc('ApierV2.SetAccount', { Tenant: TENANT, Account: 'Service_9' });
    expect(failed).toEqual({
      result: null,
      error: 'SERVER_ERROR: connection refused',
    });
    expect(simulator.account(TENANT, 'Service_9')).toBeUndefined();
    // Another method is not affected, and the failure is spent.
    expect((await rpc('ApierV2.GetAccount', { Tenant: TENANT, Account: 'x' })).error).toBe(
      'NOT_FOUND',
    );
    await setAccount('Service_9');
    expect(simulator.calls.map((c) => [c.method, c.error])).toEqual([
      ['ApierV2.SetAccount', 'SERVER_ERROR: connection refused'],
      ['ApierV2.GetAccount', 'NOT_FOUND'],
      ['ApierV2.SetAccount', null],
    ]);
  });

  it('failNext(method, error, times) fails that many calls', async () => {
    simulator.failNext('ApierV1.RemoveAccount', 'NOT_FOUND', 2);
    await setAccount('Service_10');
    const remove = () => rpc('ApierV1.RemoveAccount', { Tenant: TENANT, Account: 'Service_10' });
    expect((await remove()).error).toBe('NOT_FOUND');
    expect((await remove()).error).toBe('NOT_FOUND');
    expect(simulator.account(TENANT, 'Service_10')).toBeDefined();
    expect((await remove()).result).toBe('OK');
  });

  it('failNext(method, {status}) answers a bare HTTP error once', async () => {
    simulator.failNext('ApierV2.SetAccount', { status: 503 });
    const response = await post({
      method: 'ApierV2.SetAccount',
      params: [{ Tenant: TENANT, Account: 'Service_11' }],
      id: 1,
    });
    expect(response.status).toBe(503);
    await response.text();
    expect(simulator.account(TENANT, 'Service_11')).toBeUndefined();
    await setAccount('Service_11');
    expect(simulator.account(TENANT, 'Service_11')).toBeDefined();
  });

  it('failNext(count, status) fails the next HTTP requests whatever the method', async () => {
    simulator.failNext(1, 502);
    const response = await post({ method: 'ApierV1.GetAccount', params: [{}], id: 1 });
    expect(response.status).toBe(502);
    await response.text();
    expect((await rpc('ApierV1.GetAccount', {})).error).toBe('NOT_FOUND');
  });

  it('answers 404 off /jsonrpc, 405 to GET, and an error to a body that is not JSON-RPC', async () => {
    const elsewhere = await fetch(`${baseUrl}/api`, { method: 'POST', body: '{}' });
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();
    const get = await fetch(`${baseUrl}/jsonrpc`);
    expect(get.status).toBe(405);
    await get.text();
    const garbage = await post('not json');
    expect(garbage.status).toBe(200);
    const answer = (await garbage.json()) as RpcAnswer;
    expect([answer.id, answer.result]).toEqual([null, null]);
    expect(answer.error).toMatch(/^jsonrpc: /);
    expect(simulator.calls).toEqual([]);
  });

  it('reset() forgets accounts, calls and pending failures', async () => {
    await setAccount('Service_12');
    simulator.failNext('ApierV2.SetAccount', 'boom');
    simulator.reset();
    expect(simulator.accounts(TENANT)).toEqual([]);
    expect(simulator.calls).toEqual([]);
    await setAccount('Service_12');
  });

  it('returns copies from the inspection methods', async () => {
    await setAccount('Service_13');
    const copy = simulator.account(TENANT, 'Service_13');
    if (copy) copy.Disabled = true;
    expect(simulator.account(TENANT, 'Service_13')?.Disabled).toBe(false);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['4320h', 4320 * 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['-2s', -2000],
  ])('parses %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '10', '10d', '1h 30m'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
