import { connectAsync, type MqttClient } from 'mqtt';

/** What an energy sensor publishes about one measurement. */
export interface PublishedReading {
  value: number | string;
  unit?: string;
  sensor_type?: string;
  sensor_id?: string;
  site_id?: string;
  /** RFC 3339 or epoch seconds/ms; the receiver's time when absent. */
  timestamp?: string | number;
  status?: 'ok' | 'suspect';
}

export interface IotEnergyPublisherOptions {
  /** Default `mqtt://127.0.0.1:1883`. */
  brokerUrl?: string;
  /** Put before `telcomesh/sites/...`, so test runs on a shared broker never see each other. */
  topicPrefix?: string;
  clientId?: string;
  username?: string;
  password?: string;
}

/**
 * Publishes energy readings to an MQTT broker the way site sensors do, on
 * `<prefix>telcomesh/sites/<site>/energy/<sensor_type>[/<sensor_id>]`, with QoS 1 by default
 * (each publish resolves once the broker acknowledged it). For tests and demos.
 */
export class IotEnergyPublisher {
  private constructor(
    private readonly client: MqttClient,
    readonly topicPrefix: string,
  ) {}

  static async connect(options: IotEnergyPublisherOptions = {}): Promise<IotEnergyPublisher> {
    const client = await connectAsync(options.brokerUrl ?? 'mqtt://127.0.0.1:1883', {
      clientId: options.clientId ?? `telcomesh-sensor-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 0,
      username: options.username,
      password: options.password,
    });
    return new IotEnergyPublisher(client, options.topicPrefix ?? '');
  }

  /** The filter a connector subscribes with to get this publisher's readings. */
  get filter(): string {
    return `${this.topicPrefix}telcomesh/sites/+/energy/#`;
  }

  topicFor(siteId: string, sensorType: string, sensorId?: string): string {
    const base = `${this.topicPrefix}telcomesh/sites/${siteId}/energy/${sensorType}`;
    return sensorId === undefined ? base : `${base}/${sensorId}`;
  }

  /** One reading on its site's topic (sensor type and id go in the topic, not the payload). */
  async publishReading(
    siteId: string,
    sensorType: string,
    reading: PublishedReading,
    qos: 0 | 1 | 2 = 1,
  ): Promise<void> {
    const { sensor_id: sensorId, ...payload } = reading;
    await this.publishRaw(
      this.topicFor(siteId, sensorType, sensorId),
      JSON.stringify(payload),
      qos,
    );
  }

  async publishRaw(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 1): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
