/** Command-line flags of the benchmarks: `--name value`, `--name=value` or a bare `--switch`. */
export type Flags = Map<string, string | true>;

export function parseFlags(argv: string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg} (see --help)`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--'))
      flags.set(arg.slice(2), argv[++i]);
    else flags.set(arg.slice(2), true);
  }
  return flags;
}

export function intFlag(flags: Flags, name: string, fallback: number, min = 0): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < min)
    throw new Error(`--${name} needs an integer ≥ ${min}`);
  return value;
}

export function listFlag(flags: Flags, name: string, fallback: string): string[] {
  const raw = flags.get(name);
  return (typeof raw === 'string' ? raw : fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
