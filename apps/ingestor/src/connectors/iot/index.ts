export { IOT_MQTT_CONNECTOR, IOT_REST_CONNECTOR } from './iot-connectors';
export {
  IOT_REST_SOURCE_TYPE,
  IotRestConfig,
  IotRestConnector,
  restReadingMetric,
} from './iot-rest.connector';
export {
  IOT_MQTT_SOURCE_TYPE,
  IotMqttConfig,
  IotMqttConnector,
  type MqttBufferStats,
} from './iot-mqtt.connector';
export {
  SENSOR_TYPES,
  energyMetric,
  sensorTypeOf,
  type EnergyReadingInput,
  type SensorType,
} from './energy-readings';
export { messageMetrics, type MessageOutcome, type ReceivedMessage } from './mqtt-messages';
export { matchTopic, topicFilterProblem, type TopicFields } from './mqtt-topics';
