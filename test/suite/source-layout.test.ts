import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldersImportingEachOther, longFiles } from '../support/source-layout.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
const MAX_LINES = 500;

/**
 * Folder pairs of src/ that still import each other (ARCHITECTURE.md says which way each should point). The list only
 * shrinks: a new pair fails, and so does a listed pair that is gone, so that it is struck from here.
 */
const KNOWN_PAIRS = [
  '(root)<->auth', '(root)<->cluster', '(root)<->cost', '(root)<->db', '(root)<->server',
  'auth<->db', 'auth<->server', 'cluster<->cost', 'cluster<->db', 'cluster<->events', 'cluster<->inventory',
  'cluster<->server', 'cluster<->sync', 'cost<->db', 'cost<->inventory', 'cost<->server', 'events<->server',
  'inventory<->server', 'metrics<->server',
];
/** Files past the length limit, under the same rule. */
const KNOWN_LONG = ['simulator/cluster-controller.ts'];

describe('the import checker', () => {
  // A fixture tree with a deliberate cycle: alpha imports beta statically, beta imports alpha dynamically; gamma is
  // only imported, and main.ts (the root) only imports.
  it('finds a pair of folders that import each other, with an example each way, and nothing else', () => {
    const fixture = path.join(import.meta.dirname, 'fixtures/layout/src');
    expect(foldersImportingEachOther(fixture)).toEqual([{ pair: 'alpha<->beta', examples: ['alpha/one.ts', 'beta/two.ts'] }]);
  });

  it('counts lines the way an editor shows them', () => {
    const fixture = path.join(import.meta.dirname, 'fixtures/layout/src');
    // beta/two.ts has 6 lines, alpha/one.ts 3.
    expect(longFiles(fixture, 5)).toEqual([{ file: path.join('beta', 'two.ts'), lines: 6 }]);
  });
});

describe('src/', () => {
  it('has no new pair of folders importing each other', () => {
    const pairs = foldersImportingEachOther(SRC);
    const added = pairs.filter((p) => !KNOWN_PAIRS.includes(p.pair)).map((p) => `${p.pair}: ${p.examples[0]} and ${p.examples[1]}`);
    expect(added, 'folders that now import each other (make one side stop)').toEqual([]);
    const gone = KNOWN_PAIRS.filter((k) => !pairs.some((p) => p.pair === k));
    expect(gone, 'pairs that no longer import each other: strike them from KNOWN_PAIRS').toEqual([]);
  });

  it(`has no new file over ${MAX_LINES} lines`, () => {
    const long = longFiles(SRC, MAX_LINES).map((f) => f.file.split(path.sep).join('/'));
    expect(long.filter((f) => !KNOWN_LONG.includes(f)), 'files to split').toEqual([]);
    expect(KNOWN_LONG.filter((f) => !long.includes(f)), 'files now short enough: strike them from KNOWN_LONG').toEqual([]);
  });
});
