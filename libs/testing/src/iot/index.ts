export {
  IotEnergySimulator,
  type IotEnergyReading,
  type IotEnergySimulatorOptions,
  type IotRecordedRequest,
} from './iot-energy.simulator';
export {
  IotEnergyPublisher,
  type IotEnergyPublisherOptions,
  type PublishedReading,
} from './iot-energy-publisher';
