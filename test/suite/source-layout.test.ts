import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldersImportingEachOther, longFiles } from '../support/source-layout.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
const MAX_LINES = 500;

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
  it('has no pair of folders importing each other (ARCHITECTURE.md says which way each points)', () => {
    const pairs = foldersImportingEachOther(SRC).map((p) => `${p.pair}: ${p.examples[0]} and ${p.examples[1]}`);
    expect(pairs, 'folders that import each other (make one side stop)').toEqual([]);
  });

  it(`has no new file over ${MAX_LINES} lines`, () => {
    const long = longFiles(SRC, MAX_LINES).map((f) => f.file.split(path.sep).join('/'));
    expect(long.filter((f) => !KNOWN_LONG.includes(f)), 'files to split').toEqual([]);
    expect(KNOWN_LONG.filter((f) => !long.includes(f)), 'files now short enough: strike them from KNOWN_LONG').toEqual([]);
  });
});
