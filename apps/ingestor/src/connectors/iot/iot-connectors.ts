import type { ConnectorDefinition } from '../connector-registry';
import { IOT_MQTT_SOURCE_TYPE, IotMqttConfig, IotMqttConnector } from './iot-mqtt.connector';
import { IOT_REST_SOURCE_TYPE, IotRestConfig, IotRestConnector } from './iot-rest.connector';

/** Registry entry of the IoT energy REST connector (seed `Energy_IoTConnector`). */
export const IOT_REST_CONNECTOR = {
  sourceType: IOT_REST_SOURCE_TYPE,
  connectorClass: 'Energy_IoTConnector',
  configClass: IotRestConfig,
  create: (config, deps) => new IotRestConnector(config, deps),
} satisfies ConnectorDefinition<IotRestConfig>;

/** Registry entry of the IoT energy MQTT connector (no seed class: ours). */
export const IOT_MQTT_CONNECTOR = {
  sourceType: IOT_MQTT_SOURCE_TYPE,
  connectorClass: 'Energy_IoTMqttConnector',
  configClass: IotMqttConfig,
  create: (config, deps) => new IotMqttConnector(config, deps),
} satisfies ConnectorDefinition<IotMqttConfig>;
