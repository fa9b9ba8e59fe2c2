import { HssSimulator } from './hss';

const IMSI = '001010000012345';
const KI = '465B5CE8B199B49FAA5F0A2EE238A6BC';
const OPC = 'E8ED289DEBA952E4283B54E88E6183CA';

function provisioning(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { imsi: IMSI, msisdn: '61400000001', ki: KI, opc: OPC, enabled: true, ...overrides };
}

describe('HssSimulator over HTTP', () => {
  const hss = new HssSimulator();
  let baseUrl = '';

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
  }

  const put = (body: unknown, imsi = IMSI) => call('PUT', `/subscriber/${imsi}`, body);

  beforeAll(async () => {
    baseUrl = await hss.start();
  });
  afterAll(() => hss.stop());
  beforeEach(() => hss.reset());

  it('provisions a subscriber with PUT /subscriber/{imsi}, answering without the keys', async () => {
    const answer = await put(provisioning());
    expect(answer.status).toBe(200);
    const { last_modified: modified, ...rest } = answer.json;
    expect(Number.isNaN(Date.parse(String(modified)))).toBe(false);
    expect(rest).toEqual({
      subscriber_id: 1,
      imsi: IMSI,
      msisdn: '61400000001',
      enabled: true,
      ue_ambr_dl: null,
      ue_ambr_ul: null,
    });
    expect(answer.text).not.toContain(KI);
    expect(answer.text).not.toContain(OPC);
    expect(hss.subscribers()).toEqual([
      expect.objectContaining({ subscriber_id: 1, imsi: IMSI, ki: KI, opc: OPC, enabled: true }),
    ]);
    expect(hss.operations).toEqual([
      {
        operation: 'create',
        subscriber_id: 1,
        imsi: IMSI,
        fields: ['imsi', 'msisdn', 'ki', 'opc', 'enabled'],
      },
    ]);
  });

  it('replaces on a second PUT of the same IMSI, keeping the subscriber_id', async () => {
    await put(provisioning());
    const other = await put(
      provisioning({ imsi: '001010000099999', msisdn: '61400000002' }),
      '001010000099999',
    );
    expect(other.json.subscriber_id).toBe(2);
    const again = await put(
      provisioning({ msisdn: '61400000003', ue_ambr_dl: 1000, ue_ambr_ul: 500 }),
    );
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      subscriber_id: 1,
      msisdn: '61400000003',
      ue_ambr_dl: 1000,
      ue_ambr_ul: 500,
    });
    expect(hss.subscribers()).toHaveLength(2);
    expect(hss.operations.map((o) => o.operation)).toEqual(['create', 'create', 'replace']);
  });

  it('takes a numeric IMSI and MSISDN, as Ansible may render them', async () => {
    const answer = await put(
      provisioning({ imsi: 310150123456789, msisdn: 61400000009 }),
      '310150123456789',
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ imsi: '310150123456789', msisdn: '61400000009' });
  });

  it.each([
    ['imsi', provisioning(), '12345', 'imsi in the path must be 14 or 15 digits'],
    [
      'imsi',
      provisioning({ imsi: '001010000054321' }),
      IMSI,
      'imsi in the body does not match the path',
    ],
    ['imsi', provisioning({ imsi: '00101abc012345' }), IMSI, 'imsi must be 14 or 15 digits'],
    ['ki', provisioning({ ki: KI.slice(1) }), IMSI, 'ki must be 32 hexadecimal characters'],
    [
      'opc',
      provisioning({ opc: `${OPC.slice(1)}Z` }),
      IMSI,
      'opc must be 32 hexadecimal characters',
    ],
    ['ki', provisioning({ ki: undefined }), IMSI, 'ki is required'],
    ['msisdn', provisioning({ msisdn: '+61 400' }), IMSI, 'msisdn must be 1 to 15 digits'],
    ['msisdn', provisioning({ msisdn: null }), IMSI, 'msisdn is required'],
    ['enabled', provisioning({ enabled: 'yes' }), IMSI, 'enabled must be a boolean'],
    [
      'ue_ambr_dl',
      provisioning({ ue_ambr_dl: -1 }),
      IMSI,
      'ue_ambr_dl must be a non-negative integer',
    ],
    [
      'ue_ambr_ul',
      provisioning({ ue_ambr_ul: '10' }),
      IMSI,
      'ue_ambr_ul must be a non-negative integer',
    ],
    ['body', '{"imsi":', IMSI, 'request body must be a JSON object'],
  ])('answers 400 naming %s', async (field, body, imsi, message) => {
    const answer = await put(body, imsi);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ message, field });
    expect(answer.text).not.toContain(KI.slice(1));
    expect(hss.subscribers()).toEqual([]);
  });

  it('answers 409 when the MSISDN belongs to another subscriber', async () => {
    await put(provisioning());
    const clash = await put(provisioning({ imsi: '001010000099999' }), '001010000099999');
    expect(clash.status).toBe(409);
    expect(clash.json).toEqual({
      message: 'msisdn 61400000001 is already assigned to subscriber 1',
      field: 'msisdn',
    });
    expect(hss.subscribers()).toHaveLength(1);
  });

  it('allows shared MSISDNs when uniqueMsisdn is false', async () => {
    const lax = new HssSimulator({ uniqueMsisdn: false });
    const url = await lax.start();
    try {
      for (const imsi of [IMSI, '001010000099999']) {
        const response = await fetch(`${url}/subscriber/${imsi}`, {
          method: 'PUT',
          body: JSON.stringify(provisioning({ imsi })),
        });
        expect(response.status).toBe(200);
        await response.text();
      }
      expect(lax.subscribers()).toHaveLength(2);
    } finally {
      await lax.stop();
    }
  });

  it('GETs by subscriber_id or IMSI, 404 when unknown', async () => {
    await put(provisioning());
    for (const key of ['1', IMSI]) {
      const answer = await call('GET', `/subscriber/${key}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ subscriber_id: 1, imsi: IMSI });
      expect(answer.text).not.toContain(KI);
    }
    for (const key of ['2', '001010000099999', 'abc']) {
      const answer = await call('GET', `/subscriber/${key}`);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ message: `Subscriber ${key} not found` });
    }
  });

  it('PATCHes a subscriber to the dormant state, leaving the other fields', async () => {
    await put(provisioning({ ue_ambr_dl: 1000 }));
    const answer = await call('PATCH', '/subscriber/1', {
      enabled: true,
      msisdn: `9999${IMSI.slice(-10)}`,
      ue_ambr_dl: 9999999,
      ue_ambr_ul: 9999999,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      subscriber_id: 1,
      imsi: IMSI,
      msisdn: '99990000012345',
      enabled: true,
      ue_ambr_dl: 9999999,
      ue_ambr_ul: 9999999,
    });
    expect(hss.subscriber(1)).toMatchObject({ ki: KI, opc: OPC, msisdn: '99990000012345' });
    expect(hss.operations.at(-1)).toEqual({
      operation: 'patch',
      subscriber_id: 1,
      imsi: IMSI,
      fields: ['enabled', 'msisdn', 'ue_ambr_dl', 'ue_ambr_ul'],
    });
  });

  it('answers PATCH with 404 when unknown and 400 for a bad field or an IMSI change', async () => {
    expect((await call('PATCH', '/subscriber/7', { enabled: false })).status).toBe(404);
    await put(provisioning());
    const bad = await call('PATCH', '/subscriber/1', { opc: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ message: 'opc must be 32 hexadecimal characters', field: 'opc' });
    const moved = await call('PATCH', '/subscriber/1', { imsi: '001010000099999' });
    expect(moved.status).toBe(400);
    expect(moved.json.field).toBe('imsi');
    expect(hss.subscriber(1)).toMatchObject({ opc: OPC, imsi: IMSI });
  });

  it('DELETEs a subscriber, then answers 404', async () => {
    await put(provisioning());
    const deleted = await call('DELETE', '/subscriber/1');
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ message: 'Subscriber 1 deleted', subscriber_id: 1 });
    expect(hss.subscribers()).toEqual([]);
    expect((await call('GET', '/subscriber/1')).status).toBe(404);
    expect((await call('DELETE', '/subscriber/1')).status).toBe(404);
    expect(hss.operations.map((o) => o.operation)).toEqual(['create', 'delete']);
  });

  it('failNext(count, status) fails the next requests, then serves normally', async () => {
    hss.failNext(1, 503, 2);
    const response = await fetch(`${baseUrl}/subscriber/${IMSI}`, {
      method: 'PUT',
      body: JSON.stringify(provisioning()),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    expect(hss.subscribers()).toEqual([]);
    expect((await put(provisioning())).status).toBe(200);
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    expect((await call('GET', '/subscribers')).status).toBe(404);
    expect((await call('POST', `/subscriber/${IMSI}`, provisioning())).status).toBe(405);
  });

  it('returns copies from subscribers()', async () => {
    await put(provisioning());
    const [copy] = hss.subscribers();
    copy.enabled = false;
    expect(hss.subscriber(IMSI)?.enabled).toBe(true);
  });
});
