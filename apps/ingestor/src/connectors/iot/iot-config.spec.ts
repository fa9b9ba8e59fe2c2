import { ConnectorConfigError, validateConnectionConfig } from '../connection-config';
import { IotMqttConfig } from './iot-mqtt.connector';
import { IotRestConfig } from './iot-rest.connector';

function issuesOf(
  configClass: new () => object,
  raw: unknown,
): { path: string; message: string }[] {
  try {
    validateConnectionConfig(configClass, raw, 'test');
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('IoT connection configs', () => {
  it('accepts the seed "IoT Energy Systems" config, polling_interval included', () => {
    const config = validateConnectionConfig(
      IotRestConfig,
      {
        base_url: 'https://iot-energy.company.com',
        authentication: { type: 'api_key', api_key: 'your_api_key', key_header: 'X-API-Key' },
        sensor_types: ['power', 'voltage', 'current', 'temperature'],
        polling_interval: 60,
        batch_size: 100,
      },
      'energy_iot',
    );
    expect(config).toMatchObject({
      batch_size: 100,
      readings_path: '/api/v1/readings',
      receive_delay_seconds: 5,
      initial_lookback_minutes: 60,
    });
  });

  it('REST: names bad sensor types, batch sizes and paths', () => {
    const issues = issuesOf(IotRestConfig, {
      base_url: 'https://iot',
      authentication: { type: 'api_key', api_key: 'k' },
      sensor_types: ['power', 'humidity'],
      batch_size: 5000,
      readings_path: 'readings',
    });
    expect(issues.map((i) => i.path)).toEqual(['sensor_types', 'batch_size', 'readings_path']);
  });

  it('MQTT: defaults to a persistent QoS 1 session on the site energy topics', () => {
    const config = validateConnectionConfig(
      IotMqttConfig,
      { broker_url: 'mqtt://127.0.0.1:1883' },
      'energy_iot_mqtt',
    );
    expect(config).toMatchObject({
      topics: ['telcomesh/sites/+/energy/#'],
      qos: 1,
      clean_session: false,
      buffer_limit: 10_000,
    });
  });

  it('MQTT: names each bad topic filter and setting, without the password', () => {
    const issues = issuesOf(IotMqttConfig, {
      broker_url: 'http://broker',
      topics: ['ok/+/x', 'bad/#/x'],
      qos: 3,
      client_id: 'has spaces',
      authentication: { type: 'basic', username: 'u' },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'broker_url',
      'client_id',
      'qos',
      'authentication.password',
    ]);
    const topics = issuesOf(IotMqttConfig, {
      broker_url: 'mqtt://broker:1883',
      topics: ['ok/+/x', 'bad/#/x'],
      authentication: { type: 'basic', username: 'u', password: 'secret-pw-1' },
    });
    expect(topics).toEqual([
      {
        path: 'topics[1]',
        message:
          'topics[1] is not an MQTT topic filter: "#" must be a whole level and the last one',
      },
    ]);
    expect(JSON.stringify(topics)).not.toContain('secret-pw-1');
  });
});
