// Table of the languages the judge accepts: how a source is named in the box, how it is checked
// or compiled, and how it runs. Adding a language is one entry here. Deliberately no detection
// heuristics beyond the file extension.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { LmlabError } from '../../util/errors.ts';

export interface Language {
  id: string;
  name: string;
  extensions: string[];
  /** file name of the source inside the box; `{class}` is the source's public class (Java) */
  sourceName: string;
  /** compiler (or syntax check) command run in the box; null when there is nothing to do */
  compile: string[] | null;
  /** command that runs the solution, from inside the box; `{memoryMb}` is the memory limit */
  run: string[];
  /** host paths that must exist for this language to be usable */
  requires: string[];
  /** processes/threads the runtime needs on its own (JVM, Go and Mono start threads; node too) */
  procs: number;
  /** CPU time the compiler may use (JVM-based compilers are slow to start) */
  compileCpuMs?: number;
  /** environment of the compiler and the program (Go's build cache lives in the run's /tmp) */
  env?: Record<string, string>;
}

// Codeforces-like flags: -O2 and ONLINE_JUDGE defined; the JVM's heap is the memory limit.
const GXX = (std: string): string[] => [
  '/usr/bin/g++',
  `-std=${std}`,
  '-O2',
  '-DONLINE_JUDGE',
  '-pipe',
  '-o',
  'main',
  'main.cpp',
];
const JVM = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=4',
  '-Xss64m',
  '-Xmx{memoryMb}m',
  '-DONLINE_JUDGE=true',
  '-Duser.language=en',
];

export const LANGUAGES: Language[] = [
  {
    id: 'cpp',
    name: 'C++20 (g++ -O2)',
    extensions: ['.cpp', '.cc', '.cxx'],
    sourceName: 'main.cpp',
    compile: GXX('c++20'),
    run: ['/box/main'],
    requires: ['/usr/bin/g++'],
    procs: 64,
  },
  {
    id: 'cpp17',
    name: 'C++17 (g++ -O2)',
    extensions: [],
    sourceName: 'main.cpp',
    compile: GXX('c++17'),
    run: ['/box/main'],
    requires: ['/usr/bin/g++'],
    procs: 64,
  },
  {
    id: 'cpp23',
    name: 'C++23 (g++ -O2)',
    extensions: [],
    sourceName: 'main.cpp',
    compile: GXX('c++23'),
    run: ['/box/main'],
    requires: ['/usr/bin/g++'],
    procs: 64,
  },
  {
    id: 'c',
    name: 'C11 (gcc -O2)',
    extensions: ['.c'],
    sourceName: 'main.c',
    compile: ['/usr/bin/gcc', '-std=gnu11', '-O2', '-DONLINE_JUDGE', '-pipe', '-o', 'main', 'main.c', '-lm'],
    run: ['/box/main'],
    requires: ['/usr/bin/gcc'],
    procs: 64,
  },
  {
    id: 'py',
    name: 'Python 3',
    extensions: ['.py'],
    sourceName: 'main.py',
    compile: ['/usr/bin/python3', '-c', "import sys; compile(open('main.py', 'rb').read(), 'main.py', 'exec')"],
    run: ['/usr/bin/python3', 'main.py'],
    requires: ['/usr/bin/python3'],
    procs: 64,
  },
  {
    id: 'pypy',
    name: 'PyPy 3',
    extensions: [],
    sourceName: 'main.py',
    compile: ['/usr/bin/pypy3', '-c', "import sys; compile(open('main.py', 'rb').read(), 'main.py', 'exec')"],
    run: ['/usr/bin/pypy3', 'main.py'],
    requires: ['/usr/bin/pypy3'],
    procs: 64,
  },
  {
    id: 'java',
    name: 'Java 17 (OpenJDK)',
    extensions: ['.java'],
    sourceName: '{class}.java',
    compile: [
      '/bin/sh',
      '-c',
      'javac -J-Xmx512m -encoding UTF-8 -d . "$0" && jar cfe main.jar "$1" *.class',
      '{class}.java',
      '{class}',
    ],
    run: ['/usr/bin/java', ...JVM, '-jar', '/box/main.jar'],
    requires: ['/usr/bin/javac', '/usr/bin/jar'],
    procs: 96,
    compileCpuMs: 60_000,
  },
  {
    id: 'kotlin',
    name: 'Kotlin (kotlinc, JVM)',
    extensions: ['.kt'],
    sourceName: 'main.kt',
    compile: ['/usr/bin/kotlinc', '-J-Xmx768m', '-jvm-target', '1.8', 'main.kt', '-include-runtime', '-d', 'main.jar'],
    run: ['/usr/bin/java', ...JVM, '-jar', '/box/main.jar'],
    requires: ['/usr/bin/kotlinc', '/usr/bin/java'],
    procs: 96,
    compileCpuMs: 180_000,
  },
  {
    id: 'rust',
    name: 'Rust (rustc -O, 2021)',
    extensions: ['.rs'],
    sourceName: 'main.rs',
    compile: ['/usr/bin/rustc', '--edition=2021', '-O', '--cfg', 'ONLINE_JUDGE', '-o', 'main', 'main.rs'],
    run: ['/box/main'],
    requires: ['/usr/bin/rustc'],
    procs: 64,
    compileCpuMs: 60_000,
  },
  {
    id: 'go',
    name: 'Go',
    extensions: ['.go'],
    sourceName: 'main.go',
    compile: ['/usr/bin/go', 'build', '-o', 'main', 'main.go'],
    run: ['/box/main'],
    requires: ['/usr/bin/go'],
    procs: 64,
    compileCpuMs: 120_000,
    env: { GOCACHE: '/tmp/go-cache', GOPATH: '/tmp/go', HOME: '/tmp', GO111MODULE: 'off', GOFLAGS: '-buildvcs=false' },
  },
  {
    id: 'csharp',
    name: 'C# (Mono)',
    extensions: ['.cs'],
    sourceName: 'main.cs',
    compile: ['/usr/bin/mcs', '-define:ONLINE_JUDGE', '-optimize+', '-out:main.exe', 'main.cs'],
    run: ['/usr/bin/mono', '/box/main.exe'],
    requires: ['/usr/bin/mcs', '/usr/bin/mono'],
    procs: 64,
    compileCpuMs: 60_000,
    env: { HOME: '/tmp', MONO_GC_PARAMS: 'max-heap-size={memoryMb}m' },
  },
  {
    id: 'js',
    name: 'JavaScript (Node.js)',
    extensions: ['.js', '.mjs'],
    sourceName: 'main.js',
    compile: ['/usr/bin/node', '--check', 'main.js'],
    run: ['/usr/bin/node', '--stack-size=65500', 'main.js'],
    requires: ['/usr/bin/node'],
    procs: 64,
  },
];

/** The Debian packages that install every language above (bookworm). */
export const LANGUAGE_PACKAGES = 'g++ python3 pypy3 openjdk-17-jdk-headless kotlin rustc golang-go mono-mcs nodejs';

/** The public class a Java source declares (the file must be named after it), else Main. */
export function javaClassOf(source: Buffer | string): string {
  return /\bpublic\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)/.exec(source.toString())?.[1] ?? 'Main';
}

function fill(args: string[], vars: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole));
}

/** The run command with the memory limit filled in. */
export function runArgv(lang: Language, memoryMb: number): string[] {
  return fill(lang.run, { memoryMb: String(memoryMb) });
}

/** The runtime's environment with the memory limit filled in. */
export function runEnv(lang: Language, memoryMb: number): Record<string, string> | undefined {
  if (!lang.env) return undefined;
  return Object.fromEntries(Object.entries(lang.env).map(([k, v]) => [k, v.replace('{memoryMb}', String(memoryMb))]));
}

/** Source file name and compile command for one source (Java names the file after its class). */
export function compileStep(lang: Language, source: Buffer): { sourceName: string; compile: string[] | null } {
  const vars = { class: lang.sourceName.includes('{class}') ? javaClassOf(source) : '' };
  return { sourceName: fill([lang.sourceName], vars)[0], compile: lang.compile ? fill(lang.compile, vars) : null };
}

export function languageById(id: string): Language {
  const lang = LANGUAGES.find((l) => l.id === id);
  if (!lang) throw new LmlabError(`unknown language '${id}' (known: ${LANGUAGES.map((l) => l.id).join(', ')})`);
  return lang;
}

export function languageOfFile(file: string): Language {
  const ext = extname(file).toLowerCase();
  const lang = LANGUAGES.find((l) => l.extensions.includes(ext));
  if (!lang) {
    throw new LmlabError(
      `cannot tell the language of ${file} from its extension (use --lang; known: ${LANGUAGES.map((l) => l.id).join(', ')})`,
    );
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
