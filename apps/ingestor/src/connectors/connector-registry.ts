import type { ClassConstructor } from 'class-transformer';
import { ConnectorConfigError, validateConnectionConfig } from './connection-config';
import type { ConnectorDeps, SourceConnector } from './connector';

/** How the ingestor finds and builds one kind of connector. */
export interface ConnectorDefinition<TConfig extends object = object> {
  /** `data_sources.source_type`, e.g. `oss_network`. */
  sourceType: string;
  /** Seed `connector_class` (workers/config/data_sources.yaml), e.g. `OSS_NetworkConnector`. */
  connectorClass: string;
  /**
   * When several connectors share a source type, the connection_config field that picks one and
   * the values this connector answers to (`oss_type`: `ericsson`).
   */
  variant?: { field: string; values: readonly string[] };
  configClass: ClassConstructor<TConfig>;
  create(config: TConfig, deps: ConnectorDeps): SourceConnector<TConfig>;
  /** The source pushes its records to the ingestor (webhooks): it is never leased or polled. */
  pushOnly?: boolean;
}

/** A data source's identity as stored: its source_type and/or its seed connector_class. */
export interface ConnectorSelector {
  sourceType?: string;
  connectorClass?: string;
}

/** Connector definitions by source_type (or seed connector_class) and variant (oss_type). */
export class ConnectorRegistry {
  private readonly definitions: ConnectorDefinition[] = [];

  register<TConfig extends object>(definition: ConnectorDefinition<TConfig>): this {
    const clash = this.definitions.find(
      (known) =>
        known.sourceType === definition.sourceType &&
        (known.variant === undefined ||
          definition.variant === undefined ||
          known.variant.values.some((value) => definition.variant?.values.includes(value))),
    );
    if (clash) {
      throw new Error(
        `connector for ${definition.sourceType}${definition.variant ? ` (${definition.variant.values.join(', ')})` : ''} is already registered`,
      );
    }
    this.definitions.push(definition);
    return this;
  }

  list(): readonly ConnectorDefinition[] {
    return this.definitions;
  }

  /** Whether a stored source's connector only receives pushes (nothing to poll). */
  isPushOnly(selector: ConnectorSelector): boolean {
    return this.definitions.some(
      (d) =>
        d.pushOnly === true &&
        (d.sourceType === selector.sourceType || d.connectorClass === selector.connectorClass),
    );
  }

  /** The definition for a source; throws ConnectorConfigError naming the field that did not match. */
  resolve(selector: ConnectorSelector, rawConfig: unknown): ConnectorDefinition {
    const candidates = this.definitions.filter(
      (definition) =>
        (selector.sourceType === undefined || definition.sourceType === selector.sourceType) &&
        (selector.connectorClass === undefined ||
          definition.connectorClass === selector.connectorClass),
    );
    const name = selector.sourceType ?? selector.connectorClass ?? '(unnamed)';
    if (
      candidates.length === 0 ||
      (selector.sourceType === undefined && selector.connectorClass === undefined)
    ) {
      const known = [
        ...new Set(this.definitions.map((d) => `${d.sourceType} (${d.connectorClass})`)),
      ];
      throw new ConnectorConfigError(name, [
        { path: 'source_type', message: `no connector for ${name} (known: ${known.join(', ')})` },
      ]);
    }
    if (candidates.length === 1 && candidates[0].variant === undefined) return candidates[0];
    const field = candidates.find((c) => c.variant)?.variant?.field ?? 'variant';
    const config =
      typeof rawConfig === 'object' && rawConfig !== null
        ? (rawConfig as Record<string, unknown>)
        : {};
    const value = config[field];
    const match = candidates.find(
      (c) => typeof value === 'string' && c.variant?.values.includes(value),
    );
    if (!match) {
      const values = candidates.flatMap((c) => c.variant?.values ?? []);
      throw new ConnectorConfigError(name, [
        {
          path: field,
          message: `${field} must be one of ${values.join(', ')}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`,
        },
      ]);
    }
    return match;
  }

  /** Validates a raw connection_config for the source it belongs to. */
  validate(selector: ConnectorSelector, rawConfig: unknown): object {
    const definition = this.resolve(selector, rawConfig);
    return validateConnectionConfig(definition.configClass, rawConfig, this.label(definition));
  }

  /** Validates the config and builds the connector. */
  create(selector: ConnectorSelector, rawConfig: unknown, deps: ConnectorDeps): SourceConnector {
    const definition = this.resolve(selector, rawConfig);
    const config = validateConnectionConfig(
      definition.configClass,
      rawConfig,
      this.label(definition),
    );
    return definition.create(config, deps);
  }

  private label(definition: ConnectorDefinition): string {
    return definition.variant
      ? `${definition.sourceType}/${definition.variant.values[0]}`
      : definition.sourceType;
  }
}
