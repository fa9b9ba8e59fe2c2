import type { ConnectorDefinition } from '../connector-registry';
import { EricssonEnmConfig, EricssonEnmConnector } from './ericsson-enm.connector';
import { HuaweiU2000Config, HuaweiU2000Connector } from './huawei-u2000.connector';
import { NokiaNetActConfig, NokiaNetActConnector } from './nokia-netact.connector';
import { Tmf642AlarmConfig, Tmf642AlarmConnector } from './tmf642-alarm.connector';
import { ZteConfig, ZteConnector } from './zte.connector';

/** Seed source_type and connector_class of every OSS network connector. */
const OSS = { sourceType: 'oss_network', connectorClass: 'OSS_NetworkConnector' } as const;

const byOssType = (...values: string[]) => ({ field: 'oss_type', values });

/** The OSS network connectors, picked by `oss_type` (seed "OSS Network Connector"). */
export const OSS_CONNECTORS = [
  {
    ...OSS,
    variant: byOssType('ericsson'),
    configClass: EricssonEnmConfig,
    create: (config, deps) => new EricssonEnmConnector(config, deps),
  } satisfies ConnectorDefinition<EricssonEnmConfig>,
  {
    ...OSS,
    variant: byOssType('huawei'),
    configClass: HuaweiU2000Config,
    create: (config, deps) => new HuaweiU2000Connector(config, deps),
  } satisfies ConnectorDefinition<HuaweiU2000Config>,
  {
    ...OSS,
    variant: byOssType('nokia'),
    configClass: NokiaNetActConfig,
    create: (config, deps) => new NokiaNetActConnector(config, deps),
  } satisfies ConnectorDefinition<NokiaNetActConfig>,
  {
    ...OSS,
    variant: byOssType('zte'),
    configClass: ZteConfig,
    create: (config, deps) => new ZteConnector(config, deps),
  } satisfies ConnectorDefinition<ZteConfig>,
  {
    ...OSS,
    variant: byOssType('generic', 'tmf642'),
    configClass: Tmf642AlarmConfig,
    create: (config, deps) => new Tmf642AlarmConnector(config, deps),
  } satisfies ConnectorDefinition<Tmf642AlarmConfig>,
] as const;
