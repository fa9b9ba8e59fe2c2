import {
  AmiConnection,
  AmiDisconnectedError,
  DEFAULT_AMI_BACKOFF,
  amiBackoffDelay,
} from './ami-connection';

describe('amiBackoffDelay', () => {
  const options = { ...DEFAULT_AMI_BACKOFF, initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 };

  it('doubles from the initial delay up to the ceiling without jitter at the midpoint', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
      amiBackoffDelay(attempt, options, () => 0.5),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads each delay by ± jitter with the random draw', () => {
    expect(amiBackoffDelay(3, options, () => 0)).toBe(320);
    expect(amiBackoffDelay(3, options, () => 0.75)).toBe(440);
    expect(amiBackoffDelay(3, options, () => 0.999999)).toBe(480);
    expect(amiBackoffDelay(3, { ...options, jitter: 0 }, () => 0)).toBe(400);
  });

  it('uses the multiplier', () => {
    expect(amiBackoffDelay(3, { ...options, multiplier: 3 }, () => 0.5)).toBe(900);
  });
});

describe('AmiConnection before connecting', () => {
  it('rejects actions while not connected, naming the state', async () => {
    const connection = new AmiConnection({
      host: '127.0.0.1',
      port: 1,
      username: 'u',
      secret: 's',
    });
    await expect(connection.action('Ping')).rejects.toThrow(AmiDisconnectedError);
    await expect(connection.eventList('CoreShowChannels')).rejects.toThrow('not connected (idle)');
    await connection.close();
    expect(connection.state).toBe('closed');
    await expect(connection.connect()).rejects.toThrow('closed');
  });
});
