import { IsString } from 'class-validator';
import { ConfigValidationError, loadConfig, ServiceConfig } from './index';

class NotifierLikeConfig extends ServiceConfig {
  @IsString()
  WEBHOOK_SECRET!: string;
}

describe('loadConfig', () => {
  it('applies defaults and converts numbers', () => {
    const config = loadConfig('svc', ServiceConfig, { PORT: '8081' });
    expect(config.PORT).toBe(8081);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('lists every problem in one error and never echoes a secret', () => {
    let caught: unknown;
    try {
      loadConfig('notifier', NotifierLikeConfig, {
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        KAFKA_BROKERS: 'not a broker list',
        DATABASE_URL: 'mysql://user:hunter2@db/x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const message = (caught as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('KAFKA_BROKERS');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('WEBHOOK_SECRET');
    expect((caught as ConfigValidationError).problems.length).toBeGreaterThanOrEqual(5);
  });

  it('redacts secret-named variables and credentials in the error', () => {
    class SecretConfig extends ServiceConfig {
      @IsString()
      CLIENT_SECRET!: string;
    }
    let message = '';
    try {
      loadConfig('svc', SecretConfig, { PORT: '1', DATABASE_URL: 'http://u:topsecret@h' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('CLIENT_SECRET: ');
    expect(message).not.toContain('topsecret');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig('svc', ServiceConfig, {
      PORT: '1',
      KAFKA_BROKERS: '',
      REDIS_URL: '',
    });
    expect(config.KAFKA_BROKERS).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });
});
