// Compiles the TypeScript that runs (src/, migrations/, bench/ and the test fixtures it uses) to dist/ with swc, keeping decorator metadata for
// TypeORM and type-graphql, and only when a source changed: each start checks a fingerprint of the sources' sizes
// and modification times (a few milliseconds) and runs swc only to recompile what differs. Several processes may
// start at once: each output file is written under a temporary name and renamed into place, so an import never reads
// a partial file, and concurrent compilations of the same sources write the same bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
// bench/api.bench.ts seeds its data with test/support/seed.ts.
const SOURCE_DIRS = ['src', 'migrations', 'bench', 'test/support'];
const MANIFEST = path.join(DIST, '.manifest.json');
const SELF = fileURLToPath(import.meta.url);
// Exit status of a compilation that left some sources without output (each reported on stderr).
const SOME_FAILED = 3;
const require = createRequire(import.meta.url);

// ES2022 is what tsconfig.json and the tests (vitest.config.ts) compile to, and all of it runs natively on Node 20.19.
const swcOptions = {
  swcrc: false,
  sourceMaps: true,
  module: { type: 'es6' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
};

/** Every source as `relative path → "size:mtime"`, stat'ed before it is read so that an edit during a compilation shows as stale next time. */
function scanSources() {
  const files = {};
  for (const dir of SOURCE_DIRS) {
    // An install without bench/ or test/ still runs the service.
    if (!fs.existsSync(path.join(ROOT, dir))) continue;
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const rel = path.relative(ROOT, path.join(entry.parentPath, entry.name));
      // An editor may have just renamed it away.
      const st = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
      if (st) files[rel] = `${st.size}:${st.mtimeMs}`;
    }
  }
  return files;
}

/** Changing this file or upgrading swc invalidates every output. */
function compilerId() {
  const swc = JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8'));
  const self = fs.statSync(SELF);
  return `swc ${swc.version}|${self.size}:${self.mtimeMs}`;
}

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeAtomically(file, content) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

const outputOf = (rel) => path.join(DIST, rel.replace(/\.ts$/, '.js'));

const removeOutput = (rel) => {
  for (const file of [outputOf(rel), `${outputOf(rel)}.map`]) fs.rmSync(file, { force: true });
};

/** What differs between the sources and dist/: files to compile and files whose source is gone. */
function plan() {
  const sources = scanSources();
  const compiler = compilerId();
  const manifest = readManifest();
  const previous = manifest?.compiler === compiler ? manifest.files : {};
  const todo = Object.keys(sources).filter((rel) => previous[rel] !== sources[rel]);
  const removed = Object.keys(previous).filter((rel) => !(rel in sources));
  return { sources, compiler, todo, removed };
}

/**
 * Brings dist/ up to date with the sources. A source that does not compile is reported on stderr and left without
 * output (and out of the manifest, so it is retried next time): a half-edited file breaks only what imports it.
 */
async function compile() {
  const { sources, compiler, todo, removed } = plan();
  if (todo.length === 0 && removed.length === 0) return { compiled: 0, failed: [] };
  const swc = await import('@swc/core');
  const failed = [];
  await Promise.all(
    todo.map(async (rel) => {
      const input = path.join(ROOT, rel);
      const output = outputOf(rel);
      try {
        const result = await swc.transform(await fs.promises.readFile(input, 'utf8'), {
          ...swcOptions,
          filename: input,
          sourceFileName: path.relative(path.dirname(output), input),
        });
        fs.mkdirSync(path.dirname(output), { recursive: true });
        writeAtomically(`${output}.map`, result.map);
        writeAtomically(output, `${result.code}\n//# sourceMappingURL=${path.basename(output)}.map\n`);
      } catch (err) {
        failed.push(rel);
        delete sources[rel];
        removeOutput(rel);
        const message = (err instanceof Error ? err.message : String(err)).split('\nStack backtrace:')[0].trimEnd();
        process.stderr.write(`kubegraph: cannot compile ${rel}:\n${message}\n`);
      }
    }),
  );
  for (const rel of removed) removeOutput(rel);
  // `node dist/main.js` is the documented way to run the compiled CLI.
  writeAtomically(path.join(DIST, 'main.js'), "import './src/main.js';\n");
  writeAtomically(MANIFEST, JSON.stringify({ compiler, files: sources }));
  return { compiled: todo.length - failed.length, failed };
}

/**
 * Compiles what changed, in a child process: swc's native module, once loaded, would stay mapped in the process for
 * its lifetime (tens of MiB in a long-running `serve`). Its stdout is dropped, so that commands' own output stays clean.
 */
export function ensureCompiled() {
  const { todo, removed } = plan();
  if (todo.length === 0 && removed.length === 0) return;
  const child = spawnSync(process.execPath, [SELF], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.error) throw child.error;
  // Some sources did not compile, already reported: the commands that do not import them still run.
  if (child.status !== 0 && child.status !== SOME_FAILED) throw new Error(`compiling to ${DIST} failed (${child.signal ?? `exit status ${child.status}`})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const started = performance.now();
  const { compiled, failed } = await compile();
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`compiled ${compiled} file(s) to ${path.relative(process.cwd(), DIST) || '.'} in ${ms} ms\n`);
  if (failed.length > 0) process.exit(SOME_FAILED);
}
