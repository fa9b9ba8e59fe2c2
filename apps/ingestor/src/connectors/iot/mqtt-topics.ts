/** Why `filter` is not a valid MQTT topic filter (MQTT 3.1.1 §4.7), or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'is empty';
  if (Buffer.byteLength(filter, 'utf8') > 65_535) return 'is longer than 65535 bytes';
  if (filter.includes('\u0000')) return 'contains a NUL character';
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      return '"#" must be a whole level and the last one';
    }
    if (level.includes('+') && level !== '+') return '"+" must be a whole level';
  }
  return undefined;
}

/** What a topic says, given the filter it matched: the site and the levels under `#`. */
export interface TopicFields {
  /** The level the filter's first `+` matched (the site in `telcomesh/sites/+/energy/#`). */
  site?: string;
  /** The levels `#` matched, e.g. `['power', 'rectifier-1']`. */
  rest: string[];
}

/**
 * Matches `topic` against a (valid) filter; undefined when it does not match. A topic starting
 * with `$` never matches a filter starting with a wildcard (MQTT 3.1.1 §4.7.2).
 */
export function matchTopic(filter: string, topic: string): TopicFields | undefined {
  const wanted = filter.split('/');
  const levels = topic.split('/');
  if (topic.startsWith('$') && (wanted[0] === '+' || wanted[0] === '#')) return undefined;
  let site: string | undefined;
  for (let index = 0; index < wanted.length; index++) {
    const level = wanted[index];
    if (level === '#') return { site, rest: levels.slice(index) };
    if (index >= levels.length) return undefined;
    if (level === '+') site ??= levels[index];
    else if (level !== levels[index]) return undefined;
  }
  return levels.length === wanted.length ? { site, rest: [] } : undefined;
}
