// The harness commands as a user runs them: `lmlab codeelo demo` end to end with every
// non-loopback connection made impossible (offline), the report and leaderboard commands on
// its runs, and one-line errors for bad input.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sandboxSkipReason } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/lmlab.js', import.meta.url));

// Loaded before the CLI: any socket to something other than loopback or a local path throws.
const OFFLINE = `import net from 'node:net';
import dns from 'node:dns';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const o = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (!o.path && !['127.0.0.1', 'localhost', '::1', undefined].includes(o.host)) throw new Error('offline test: connection to ' + o.host + ' refused');
  return connect.apply(this, args);
};
const lookup = dns.lookup;
// a loopback literal is resolved without the network (a server binding 127.0.0.1 looks it up)
dns.lookup = (host, ...rest) => {
  if (host === '127.0.0.1' || host === '::1') return lookup.call(dns, host, ...rest);
  throw new Error('offline test: DNS lookup refused');
};
`;

function lmlab(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('lmlab codeelo demo runs offline and writes self-contained reports', {
  skip: sandboxSkipReason(),
  timeout: 420_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-demo-'));
  try {
    const guard = join(dir, 'offline.mjs');
    writeFileSync(guard, OFFLINE);
    // The guard itself works: 127.0.0.2 is loopback (no traffic leaves the machine) but not allowed.
    const probe = await new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(guard).href,
          '-e',
          "fetch('http://127.0.0.2:8089/').then(() => console.log('connected'), (e) => console.log(e.cause?.message ?? e.message))",
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('exit', () => resolve(text));
    });
    assert.match(probe, /offline test: connection to 127\.0\.0\.2 refused/);
    const out = join(dir, 'demo');
    const demo = await lmlab(['codeelo', 'demo', '--out', out, '--quiet'], {
      NODE_OPTIONS: `--import ${pathToFileURL(guard).href}`,
    });
    assert.equal(demo.code, 0, demo.stderr);
    const html = join(out, 'strong-report', 'report.html');
    assert.ok(demo.stdout.includes(html), demo.stdout);
    assert.match(demo.stdout, /SIMULATED/);
    for (const name of ['strong', 'weak']) {
      const page = readFileSync(join(out, `${name}-report`, 'report.html'), 'utf8');
      assert.doesNotMatch(
        page,
        /<script[^>]*\bsrc=|<link[^>]*href="(?!data:)|(src|href)="(https?:)?\/\//,
        'no external assets',
      );
      assert.match(page, /<svg/);
      assert.match(page, /simulated/i);
      for (const f of ['report.md', 'report.json', 'RESULTS.json'])
        assert.ok(existsSync(join(out, `${name}-report`, f)));
    }
    const strong = JSON.parse(readFileSync(join(out, 'strong-report', 'report.json'), 'utf8'));
    const weak = JSON.parse(readFileSync(join(out, 'weak-report', 'report.json'), 'utf8'));
    assert.equal(strong.rating.contests.length, 2);
    assert.ok(
      strong.contests.every((c: { problems: { solved: boolean }[] }) => c.problems.every((p) => p.solved)),
      'the references solve everything',
    );
    assert.ok(strong.rating.elo > weak.rating.elo + 500, `strong ${strong.rating.elo}, weak ${weak.rating.elo}`);
    for (const v of ['WA', 'TLE', 'RE', 'CE', 'NC', 'MLE', 'PE'])
      assert.ok(weak.verdicts[v] > 0, `the weak model shows ${v}`);
    assert.equal(strong.provenance.judge, 'local');
    assert.equal(strong.provenance.language, 'cpp');
    // the third model went through lmlab serve, the OpenAI client and the judge
    const tiny = JSON.parse(readFileSync(join(out, 'tiny-report', 'report.json'), 'utf8'));
    assert.equal(tiny.provenance.provider, 'openai');
    assert.match(tiny.provenance.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.ok(tiny.verdicts.CE > 0, `the tiny model's programs reach the judge: ${JSON.stringify(tiny.verdicts)}`);

    // The report and leaderboard commands work from the run databases alone.
    const again = await lmlab([
      'codeelo',
      'report',
      join(out, 'weak.sqlite'),
      '--out',
      join(dir, 'weak-again'),
      '--bootstrap',
      '0',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /wrote .*report\.html/);
    const board = await lmlab(['codeelo', 'leaderboard', out, '--bootstrap', '0']);
    assert.equal(board.code, 0, board.stderr);
    const lines = board.stdout.split('\n').filter((l) => /^\| [12] \|/.test(l));
    assert.equal(lines.length, 2);
    assert.match(lines[0], /demo-strong/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('harness commands fail with one line for bad input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-cli-'));
  try {
    const cases: [string[], RegExp][] = [
      [
        [
          'codeelo',
          'run',
          '--contests',
          join(dir, 'nowhere'),
          '--replay',
          join(dir, 'r.json'),
          '--db',
          join(dir, 'x.sqlite'),
        ],
        /cannot read .*r\.json/,
      ],
      [['codeelo', 'report', join(dir, 'missing.sqlite')], /no run database at/],
      [
        ['codeelo', 'run', '--contests', 'bundled:7', '--model', 'm', '--db', join(dir, 'y.sqlite')],
        /no bundled contest 7/,
      ],
      [
        [
          'codeelo',
          'run',
          '--contests',
          'bundled',
          '--provider',
          'anthropic',
          '--model',
          'm',
          '--api-key-env',
          'LMLAB_TEST_NO_SUCH_KEY',
        ],
        /set LMLAB_TEST_NO_SUCH_KEY/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await lmlab(args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^lmlab: /);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
