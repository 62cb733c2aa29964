// Table of the languages the judge accepts: how a source is named in the box, how it is checked
// or compiled, and how it runs. Adding a language is one entry here. Deliberately no detection
// heuristics beyond the file extension.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { LmlabError } from '../../errors.ts';

export interface Language {
  id: string;
  name: string;
  extensions: string[];
  /** file name of the source inside the box */
  sourceName: string;
  /** compiler (or syntax check) command run in the box; null when there is nothing to do */
  compile: string[] | null;
  /** command that runs the solution, from inside the box */
  run: string[];
  /** host paths that must exist for this language to be usable */
  requires: string[];
  /** processes/threads the runtime needs on its own (node starts worker threads) */
  procs: number;
}

export const LANGUAGES: Language[] = [
  {
    id: 'cpp', name: 'C++20 (g++ -O2)', extensions: ['.cpp', '.cc', '.cxx'], sourceName: 'main.cpp',
    compile: ['/usr/bin/g++', '-std=c++20', '-O2', '-pipe', '-o', 'main', 'main.cpp'],
    run: ['/box/main'], requires: ['/usr/bin/g++'], procs: 64,
  },
  {
    id: 'c', name: 'C17 (gcc -O2)', extensions: ['.c'], sourceName: 'main.c',
    compile: ['/usr/bin/gcc', '-std=gnu17', '-O2', '-pipe', '-o', 'main', 'main.c', '-lm'],
    run: ['/box/main'], requires: ['/usr/bin/gcc'], procs: 64,
  },
  {
    id: 'py', name: 'Python 3', extensions: ['.py'], sourceName: 'main.py',
    compile: ['/usr/bin/python3', '-c', "import sys; compile(open('main.py', 'rb').read(), 'main.py', 'exec')"],
    run: ['/usr/bin/python3', 'main.py'], requires: ['/usr/bin/python3'], procs: 64,
  },
  {
    id: 'pypy', name: 'PyPy 3', extensions: [], sourceName: 'main.py',
    compile: ['/usr/bin/pypy3', '-c', "import sys; compile(open('main.py', 'rb').read(), 'main.py', 'exec')"],
    run: ['/usr/bin/pypy3', 'main.py'], requires: ['/usr/bin/pypy3'], procs: 64,
  },
  {
    id: 'js', name: 'JavaScript (Node.js)', extensions: ['.js', '.mjs'], sourceName: 'main.js',
    compile: ['/usr/bin/node', '--check', 'main.js'],
    run: ['/usr/bin/node', '--stack-size=65500', 'main.js'], requires: ['/usr/bin/node'], procs: 64,
  },
];

export function languageById(id: string): Language {
  const lang = LANGUAGES.find((l) => l.id === id);
  if (!lang) throw new LmlabError(`unknown language '${id}' (known: ${LANGUAGES.map((l) => l.id).join(', ')})`);
  return lang;
}

export function languageOfFile(file: string): Language {
  const ext = extname(file).toLowerCase();
  const lang = LANGUAGES.find((l) => l.extensions.includes(ext));
  if (!lang) {
    throw new LmlabError(`cannot tell the language of ${file} from its extension (use --lang; known: ${LANGUAGES.map((l) => l.id).join(', ')})`);
  }
  return lang;
}

export function languageAvailable(lang: Language): boolean {
  return lang.requires.every((path) => existsSync(path));
}

export function assertLanguageAvailable(lang: Language): void {
  const missing = lang.requires.find((path) => !existsSync(path));
  if (missing) throw new LmlabError(`${lang.name} is not available on this machine (${missing} is missing)`);
}
