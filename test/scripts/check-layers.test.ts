// The layer check on small synthetic trees: it passes a tree that only imports downward and
// catches an upward import, an import between two papers, a method importing its experiment,
// a file outside every layer folder and a circle between files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error: a plain JavaScript script without type declarations
import { checkTree } from '../../scripts/check-layers.mjs';

type Check = (root: string, allowed?: string[]) => string[];
const check = checkTree as Check;

function withTree(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const CLEAN = {
  'util/rng.ts': 'export const seed = 1;\n',
  'io/read.ts': "import { seed } from '../util/rng.ts';\nexport const read = seed;\n",
  'model/llama.ts': "import type { read } from '../io/read.ts';\nexport type R = typeof read;\n",
  'cli/main.ts': "const m = await import('../model/llama.ts');\n// import { x } from '../cli/nothing.ts';\n",
};

test('a tree whose imports only go down passes', () => {
  withTree(CLEAN, (root) => assert.deepEqual(check(root), []));
});

test('an upward import is reported with both files', () => {
  withTree(
    { ...CLEAN, 'util/rng.ts': "import { read } from '../io/read.ts';\nexport const seed = read;\n" },
    (root) => {
      const problems = check(root);
      assert.ok(
        problems.some((p) => p.includes('util/rng.ts imports io/read.ts') && p.includes('above')),
        problems.join('\n'),
      );
    },
  );
});

test('a multi-line and a dynamic upward import are both found', () => {
  const files = {
    ...CLEAN,
    'io/read.ts':
      "import {\n  seed,\n} from '../util/rng.ts';\nexport const read = seed;\nawait import('../cli/main.ts');\n",
  };
  withTree(files, (root) => {
    const problems = check(root);
    assert.ok(
      problems.some((p) => p.startsWith('io/read.ts imports cli/main.ts')),
      problems.join('\n'),
    );
  });
});

test('papers must not import each other, and a method must not import its experiment', () => {
  const files = {
    ...CLEAN,
    'meco/domain.ts': "import '../meco/experiment/run.ts';\n",
    'meco/experiment/run.ts': 'export const x = 1;\n',
    'adaskip/plan.ts': "import { x } from '../meco/experiment/run.ts';\n",
  };
  withTree(files, (root) => {
    const problems = check(root);
    assert.ok(
      problems.some((p) => p.includes('adaskip/ and meco/ must not import each other')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('meco/domain.ts imports meco/experiment/run.ts')),
      problems.join('\n'),
    );
  });
});

test('a file outside every layer folder is reported', () => {
  withTree({ ...CLEAN, 'errors.ts': 'export class E extends Error {}\n' }, (root) => {
    assert.deepEqual(check(root), [
      `errors.ts is in no layer folder (${'util, data, io, tokenizer, engine, model, train, meco, adaskip, codeelo, serve, cli'})`,
    ]);
  });
});

test('a circle between files in one folder is reported once with all its files', () => {
  const files = {
    ...CLEAN,
    'model/a.ts': "import { b } from './b.ts';\nexport const a = 1;\n",
    'model/b.ts': "import { c } from './c.ts';\nexport const b = 1;\n",
    'model/c.ts': "import type { a } from './a.ts';\nexport const c = 1;\n",
  };
  withTree(files, (root) => {
    assert.deepEqual(check(root), ['circle between model/a.ts, model/b.ts, model/c.ts']);
  });
});

test('an allow-list entry lets exactly that import through, and a stale entry is reported', () => {
  const files = { ...CLEAN, 'util/rng.ts': "import { read } from '../io/read.ts';\nexport const seed = read;\n" };
  withTree(files, (root) => {
    assert.deepEqual(check(root, ['util/rng.ts -> io/read.ts']), []);
    assert.deepEqual(check(root, ['util/rng.ts -> io/read.ts', 'io/read.ts -> model/llama.ts']), [
      'allow-list entry matches no import: io/read.ts -> model/llama.ts',
    ]);
  });
});
