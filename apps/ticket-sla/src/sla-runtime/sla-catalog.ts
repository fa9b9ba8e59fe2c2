import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  BusinessCalendar,
  SlaDefinitionError,
  SlaPolicyCatalog,
  type SlaPolicy,
  type SlaPolicySubject,
} from '../sla';

/** Who owns a definition: the policy file (config as code) or the API. */
export type CatalogOwner = 'file' | 'api';

export interface CatalogDocument {
  id: string;
  definition: Record<string, unknown>;
  managedBy: CatalogOwner;
  updatedBy: string;
  updatedAt: Date;
}

export interface CatalogDocuments {
  version: number;
  calendars: CatalogDocument[];
  /** In matching order (position). */
  policies: CatalogDocument[];
}

/**
 * The policies and calendars in force, built from their stored documents. Building validates
 * everything together (ids, calendar references), so a catalog that exists is usable.
 */
export class SlaCatalog {
  private constructor(
    readonly version: number,
    readonly calendars: ReadonlyMap<string, BusinessCalendar>,
    readonly policies: SlaPolicyCatalog,
    private readonly byId: ReadonlyMap<string, SlaPolicy>,
  ) {}

  static empty(): SlaCatalog {
    return SlaCatalog.build(0, [], []);
  }

  /** Throws SlaDefinitionError listing every problem (calendar ids and policy paths named). */
  static build(
    version: number,
    calendars: readonly unknown[],
    policies: readonly unknown[],
  ): SlaCatalog {
    const problems: string[] = [];
    const built: BusinessCalendar[] = [];
    const seen = new Set<string>();
    calendars.forEach((raw, index) => {
      try {
        const calendar = BusinessCalendar.fromDefinition(raw, `calendars.${index}`);
        if (seen.has(calendar.id))
          problems.push(`calendars.${index}.id: duplicate calendar id "${calendar.id}"`);
        seen.add(calendar.id);
        built.push(calendar);
      } catch (error) {
        if (error instanceof SlaDefinitionError) problems.push(...error.problems);
        else throw error;
      }
    });
    let catalog: SlaPolicyCatalog | undefined;
    try {
      catalog = SlaPolicyCatalog.fromDefinitions([...policies], built);
    } catch (error) {
      if (error instanceof SlaDefinitionError) problems.push(...error.problems);
      else throw error;
    }
    if (problems.length > 0 || catalog === undefined) {
      throw new SlaDefinitionError('SLA calendars and policies', problems);
    }
    return new SlaCatalog(
      version,
      new Map(built.map((c) => [c.id, c])),
      catalog,
      new Map(catalog.policies.map((p) => [p.id, p])),
    );
  }

  match(subject: SlaPolicySubject): SlaPolicy | undefined {
    return this.policies.match(subject);
  }

  policy(id: string): SlaPolicy | undefined {
    return this.byId.get(id);
  }
}

/** The policy file's content: `{ calendars: [...], policies: [...] }` (YAML or JSON). */
export interface PolicyFileContent {
  calendars: Record<string, unknown>[];
  policies: Record<string, unknown>[];
}

/** Reads and checks the shape of the policy file; the definitions themselves are validated on build. */
export function readPolicyFile(
  path: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): PolicyFileContent {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SlaDefinitionError(`SLA policy file ${path}`, [`cannot read the file (${code})`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new SlaDefinitionError(`SLA policy file ${path}`, [
      `not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    ]);
  }
  const problems: string[] = [];
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SlaDefinitionError(`SLA policy file ${path}`, [
      '(root): must be a mapping with calendars and policies',
    ]);
  }
  const root = parsed as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== 'calendars' && key !== 'policies')
      problems.push(`${key}: unknown key (expected calendars, policies)`);
  }
  const list = (key: 'calendars' | 'policies'): Record<string, unknown>[] => {
    const value = root[key] ?? [];
    if (!Array.isArray(value)) {
      problems.push(`${key}: must be a list`);
      return [];
    }
    return value.map((item: unknown, index) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push(`${key}.${index}: must be a mapping`);
        return {};
      }
      return item as Record<string, unknown>;
    });
  };
  const content = { calendars: list('calendars'), policies: list('policies') };
  if (problems.length > 0) throw new SlaDefinitionError(`SLA policy file ${path}`, problems);
  // Validate the whole file now, so a bad file stops the start with every problem named.
  try {
    SlaCatalog.build(0, content.calendars, content.policies);
  } catch (error) {
    if (error instanceof SlaDefinitionError)
      throw new SlaDefinitionError(`SLA policy file ${path}`, [...error.problems]);
    throw error;
  }
  return content;
}
