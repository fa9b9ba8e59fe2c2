import { createHash } from 'node:crypto';
import {
  SnmpTrapReceiverConfig,
  trapSourcesOf,
  validateConnectionConfig,
  type SnmpConnectionConfig,
  type SnmpV3UserDto,
} from '../connectors';

/** An enabled `snmp` data source, its configuration validated and its secrets opened. */
export interface SnmpSourceForTraps {
  sourceId: string;
  config: SnmpConnectionConfig;
}

/** What the trap listener is built from; rebuilt when `fingerprint` changes. */
export interface TrapListenerPlan {
  /** Undefined when no community or user would accept any trap. */
  receiver?: SnmpTrapReceiverConfig;
  /** Agent address → the `snmp` source whose targets list it. */
  sourceOfAgent: Map<string, string>;
  /** SHA-256 of everything above (never the secrets themselves in memory twice). */
  fingerprint: string;
  /** Problems worth a warning (same v3 user with different keys...); no secret in them. */
  warnings: string[];
}

export interface TrapListenerSettings {
  address: string;
  port: number;
  /** Communities accepted besides those of the sources' targets. */
  communities: readonly string[];
}

/**
 * The trap listener's configuration from the enabled `snmp` sources: every v2c target's
 * community and v3 target's user are accepted, and each target's host names the site (and the
 * source) of the traps its agent sends. Sources are read in source-id order, so when two list
 * the same agent (or the same v3 user name) the first one wins, on every replica alike.
 */
export function trapListenerPlan(
  settings: TrapListenerSettings,
  sources: readonly SnmpSourceForTraps[],
): TrapListenerPlan {
  const ordered = [...sources].sort((a, b) => a.sourceId.localeCompare(b.sourceId));
  const communities = new Set(settings.communities.filter((c) => c !== ''));
  const users = new Map<string, SnmpV3UserDto>();
  const sourceOfAgent = new Map<string, string>();
  const trapSources = [];
  const warnings: string[] = [];
  for (const { sourceId, config } of ordered) {
    for (const target of config.targets) {
      if (target.community) communities.add(target.community);
      if (target.v3) {
        const known = users.get(target.v3.user);
        if (!known) users.set(target.v3.user, target.v3);
        else if (JSON.stringify(known) !== JSON.stringify(target.v3))
          warnings.push(
            `SNMPv3 user ${target.v3.user} of ${sourceId} (${target.host}) differs from an earlier source's; traps are checked with the first`,
          );
      }
    }
    for (const trapSource of trapSourcesOf(config)) {
      if (sourceOfAgent.has(trapSource.address)) {
        warnings.push(
          `agent ${trapSource.address} is in ${sourceOfAgent.get(trapSource.address)} and ${sourceId}; its traps go to the first`,
        );
        continue;
      }
      sourceOfAgent.set(trapSource.address, sourceId);
      trapSources.push(trapSource);
    }
  }
  const raw = {
    address: settings.address,
    port: settings.port,
    communities: [...communities].sort(),
    users: [...users.values()],
    // The receiver only takes IP addresses; a target named by DNS name is matched by nobody.
    sources: trapSources.filter((s) => /^[\d.]+$|:/.test(s.address)),
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ raw, agents: [...sourceOfAgent] }))
    .digest('hex');
  if (raw.communities.length === 0 && raw.users.length === 0)
    return { sourceOfAgent, fingerprint, warnings };
  const receiver = validateConnectionConfig(SnmpTrapReceiverConfig, raw, 'snmp-traps');
  return { receiver, sourceOfAgent, fingerprint, warnings };
}
