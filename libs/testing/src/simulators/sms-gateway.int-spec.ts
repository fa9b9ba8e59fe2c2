import { SmsGatewaySimulator } from './sms-gateway';

const API_KEY = 'sms-key-123';

describe('SmsGatewaySimulator over HTTP', () => {
  const gateway = new SmsGatewaySimulator({ apiKey: API_KEY });
  let baseUrl = '';

  async function send(
    body: unknown,
    key = API_KEY,
    method = 'POST',
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}/SMS/plaintext/${key}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  const playbookBody = {
    source_msisdn: 'YourCompany',
    destinatination_msisdn: '61400000001',
    message_body: 'Merci pour la recharge de 15!',
  };

  beforeAll(async () => {
    baseUrl = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => gateway.reset());

  it('accepts the playbook body (misspelt destination) with 201 and a message_id', async () => {
    const answer = await send(playbookBody);
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.json)).toEqual(['message_id']);
    expect(typeof answer.json.message_id).toBe('string');
    const [message] = gateway.messages();
    const { received_at: receivedAt, ...rest } = message;
    expect(Number.isNaN(Date.parse(receivedAt))).toBe(false);
    expect(gateway.messages()).toHaveLength(1);
    expect(rest).toEqual({
      message_id: answer.json.message_id,
      source_msisdn: 'YourCompany',
      destination_msisdn: '61400000001',
      message_body: 'Merci pour la recharge de 15!',
      destination_field: 'destinatination_msisdn',
    });
  });

  it('accepts the correct spelling too, and numeric MSISDNs', async () => {
    const answer = await send({
      source_msisdn: 'YourCompany',
      destination_msisdn: 61400000002,
      message_body: 'hi',
    });
    expect(answer.status).toBe(201);
    expect(gateway.messages()[0]).toMatchObject({
      destination_msisdn: '61400000002',
      destination_field: 'destination_msisdn',
    });
  });

  it('gives each message its own id', async () => {
    const first = await send(playbookBody);
    const second = await send(playbookBody);
    expect(first.json.message_id).not.toBe(second.json.message_id);
    expect(gateway.messages()).toHaveLength(2);
  });

  it('answers 401 to another api key and keeps nothing', async () => {
    const answer = await send(playbookBody, 'wrong-key');
    expect(answer).toEqual({ status: 401, json: { error: 'Invalid API key' } });
    expect(gateway.messages()).toEqual([]);
  });

  it.each([
    ['source_msisdn', { ...playbookBody, source_msisdn: undefined }, 'source_msisdn is required'],
    ['message_body', { ...playbookBody, message_body: '' }, 'message_body is required'],
    ['message_body', { ...playbookBody, message_body: 42 }, 'message_body must be a string'],
    [
      'destination_msisdn',
      { source_msisdn: 'YourCompany', message_body: 'hi' },
      'destination_msisdn is required',
    ],
    [
      'destinatination_msisdn',
      { ...playbookBody, destinatination_msisdn: null },
      'destinatination_msisdn is required',
    ],
    [
      'destination_msisdn',
      { ...playbookBody, destination_msisdn: '61499999999' },
      'destinatination_msisdn and destination_msisdn disagree',
    ],
    ['body', 'not json', 'request body must be a JSON object'],
  ])('answers 400 naming %s', async (field, body, error) => {
    const answer = await send(body);
    expect(answer).toEqual({ status: 400, json: { error, field } });
    expect(gateway.messages()).toEqual([]);
  });

  it('failNext(count, status) fails the next sends, then accepts', async () => {
    gateway.failNext(2, 503);
    expect(await send(playbookBody)).toEqual({
      status: 503,
      json: { error: 'Service Unavailable' },
    });
    expect((await send(playbookBody)).status).toBe(503);
    expect(gateway.messages()).toEqual([]);
    expect((await send(playbookBody)).status).toBe(201);
    expect(gateway.messages()).toHaveLength(1);
  });

  it('answers 405 to GET and 404 off /SMS/plaintext/{api_key}', async () => {
    expect((await send(undefined, API_KEY, 'GET')).status).toBe(405);
    const elsewhere = await fetch(`${baseUrl}/SMS/unicode/${API_KEY}`, {
      method: 'POST',
      body: JSON.stringify(playbookBody),
    });
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();
  });
});
