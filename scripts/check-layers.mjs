// Checks the import graph of src/: every relative import must stay in its own layer or go down
// the layer order below, and no two files may import each other through any chain (a circle).
// It reads imports with regular expressions (static `import`/`export … from`, side-effect
// `import '…'` and dynamic `import('…')` with a literal path); it does not resolve packages
// and does not look at tests, benchmarks or scripts. Usage: node scripts/check-layers.mjs [SRC]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Lowest first. A file may import files of its own layer and of lower layers only. The three
// papers share a rank but must not import each other; serve and cli come last.
export const LAYERS = [
  ['util'],
  ['data'],
  ['io'],
  ['tokenizer'],
  ['engine'],
  ['model'],
  ['train'],
  ['meco', 'adaskip', 'codeelo'],
  ['serve'],
  ['cli'],
];

// Inside a folder, sub-folders that rank above the folder's other files: a paper's method
// (the files directly in src/<paper>/) must not import its experiment, and CodeElo's harness
// sits on top of its rating, Codeforces and judge code.
export const SUBLAYERS = {
  meco: { experiment: 1 },
  adaskip: { experiment: 1 },
  codeelo: { cf: 0, judge: 0, rating: 1, harness: 2 },
};

// Imports let through despite the order, each `from -> to` (paths relative to src/) with its
// reason. None today; the check reports entries that no longer match anything.
export const ALLOWED = [];

const IMPORT_PATTERNS = [
  /\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
];

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function listSources(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...listSources(path));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** Relative imports of one file, as paths relative to `root` with forward slashes. */
export function importsOf(file, root) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const targets = new Set();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const spec = match[1];
      if (!spec.startsWith('.')) continue;
      targets.add(toKey(relative(root, resolve(dirname(file), spec))));
    }
  }
  return [...targets].sort();
}

function toKey(path) {
  return path.split(sep).join('/');
}

/** [layer index, folder, sub-rank] of a path relative to src/, or null outside every layer. */
export function placeOf(key) {
  const parts = key.split('/');
  if (parts.length < 2) return null;
  const folder = parts[0];
  const layer = LAYERS.findIndex((names) => names.includes(folder));
  if (layer < 0) return null;
  const subs = SUBLAYERS[folder];
  const sub = subs && parts.length > 2 ? (subs[parts[1]] ?? 0) : 0;
  return { layer, folder, sub };
}

function layerProblem(from, to) {
  const a = placeOf(from);
  const b = placeOf(to);
  if (!a) return null; // reported once for the file itself
  if (!b) return `${from} imports ${to}, which is in no layer folder`;
  if (b.layer > a.layer) return `${from} imports ${to}: ${b.folder}/ is above ${a.folder}/`;
  if (b.layer === a.layer && a.folder !== b.folder) {
    return `${from} imports ${to}: ${a.folder}/ and ${b.folder}/ must not import each other`;
  }
  if (a.folder === b.folder && b.sub > a.sub) {
    return `${from} imports ${to}: ${to.split('/').slice(0, 2).join('/')}/ is above it`;
  }
  return null;
}

/** Strongly connected components with more than one file (or a file importing itself). */
function circles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let counter = 0;
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** Every problem in the tree under `root`, as one-line messages; `allowed` edges are let through. */
export function checkTree(root, allowed = []) {
  const allow = new Set(allowed);
  const used = new Set();
  const graph = new Map();
  const problems = [];
  for (const file of listSources(root)) {
    const from = toKey(relative(root, file));
    if (!placeOf(from)) problems.push(`${from} is in no layer folder (${LAYERS.flat().join(', ')})`);
    const kept = [];
    for (const to of importsOf(file, root)) {
      const edge = `${from} -> ${to}`;
      if (allow.has(edge)) {
        used.add(edge);
        continue;
      }
      kept.push(to);
      const problem = layerProblem(from, to);
      if (problem) problems.push(problem);
    }
    graph.set(from, kept);
  }
  for (const component of circles(graph)) problems.push(`circle between ${component.join(', ')}`);
  for (const edge of allow) if (!used.has(edge)) problems.push(`allow-list entry matches no import: ${edge}`);
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const problems = checkTree(root, ALLOWED);
  for (const problem of problems) console.error(`check-layers: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(`check-layers: ${listSources(root).length} files, imports follow the layer order, no circles`);
}
