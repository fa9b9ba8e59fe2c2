// Compiles apps/, libs/, bench/ and scripts/*.ts to CommonJS under dist/ with SWC (keeps the
// decorator metadata NestJS DI needs) and rewrites @telcomesh/* imports to relative paths.
// Type checking is separate: `npm run typecheck`.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'dist');
const { compilerOptions } = JSON.parse(await readFile(join(root, 'tsconfig.base.json'), 'utf8'));

// Each file is written to a temp name and renamed (atomic), and stale outputs are pruned at the
// end instead of wiping dist/ first, so a process running from dist/ never sees it half-built.
async function writeAtomic(path, content) {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

async function* files(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* files(path);
    } else yield path;
  }
}

const isSource = (path) => path.endsWith('.ts') && !/\.(spec|int-spec|d)\.ts$/.test(path);

const started = performance.now();
const produced = new Set();
let count = 0;
const jobs = [];
for (const top of ['apps', 'libs', 'bench', 'scripts']) {
  for await (const file of files(join(root, top))) {
    if (!isSource(file)) continue;
    jobs.push(
      (async () => {
        const { code, map } = await transformFile(file, {
          swcrc: false,
          sourceMaps: true,
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2023',
            baseUrl: root,
            paths: compilerOptions.paths,
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
        });
        const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
        await mkdir(dirname(target), { recursive: true });
        await writeAtomic(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
        produced.add(target);
        if (map) {
          await writeAtomic(`${target}.map`, map);
          produced.add(`${target}.map`);
        }
        count++;
      })(),
    );
  }
}
await Promise.all(jobs);
for await (const file of files(out)) {
  if (!produced.has(file) && !file.endsWith('.tmp')) await rm(file, { force: true });
}
console.log(`build: ${count} files → dist/ in ${Math.round(performance.now() - started)} ms`);
