/**
 * The shape of a source tree: which top-level folders import which (relative imports only: static, export-from and
 * dynamic), and how long each file is. Files directly in the root count as a folder of their own, "(root)".
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FolderPair {
  /** "a<->b", a before b alphabetically. */
  pair: string;
  /** One importing file each way, relative to the root, to say where to look. */
  examples: [string, string];
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(root);
  return files.sort();
}

function folderOf(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! : '(root)';
}

/** Pairs of folders that import each other, each with an example import both ways. */
export function foldersImportingEachOther(root: string): FolderPair[] {
  const edges = new Map<string, string>();
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1] ?? m[2]!);
      if (!target.startsWith(root + path.sep)) continue;
      const to = folderOf(root, target);
      if (to !== from && !edges.has(`${from}>${to}`)) edges.set(`${from}>${to}`, path.relative(root, file));
    }
  }
  const pairs: FolderPair[] = [];
  for (const [edge, example] of edges) {
    const [a, b] = edge.split('>') as [string, string];
    const back = edges.get(`${b}>${a}`);
    if (a < b && back) pairs.push({ pair: `${a}<->${b}`, examples: [example, back] });
  }
  return pairs.sort((x, y) => x.pair.localeCompare(y.pair));
}

/** Files longer than `limit` lines, with their length, relative to the root. */
export function longFiles(root: string, limit: number): Array<{ file: string; lines: number }> {
  return sourceFiles(root)
    .map((file) => ({ file: path.relative(root, file), lines: fs.readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > limit);
}
