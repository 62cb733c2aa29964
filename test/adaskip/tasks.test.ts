// The generated long-context tasks: each instance a pure function of its inputs, needles really
// in the prompt, haystack of the requested size, the exact scorer (order matters, trailing text
// ignored, partial credit), paragraph splitting and task-name parsing. Invented filler text;
// no model or tokenizer involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Haystack,
  makeDrill,
  makeTask,
  paragraphsOf,
  parseTask,
  scoreTask,
  ALL_TASKS,
  type TaskInstance,
  type TaskName,
} from '../../src/adaskip/experiment/tasks.ts';

// 40 paragraphs of four short sentences each (every sentence under 70 characters)
const SOURCE = Array.from({ length: 40 }, (_, p) =>
  Array.from({ length: 4 }, (_, s) => `Paragraph ${p} sentence ${s} talks about the weather at sea.`).join(' '),
);
const haystack = () => new Haystack(SOURCE);
const CHARS = 3000;

const QUESTIONS: Record<TaskName, RegExp> = {
  passkey: /\n\nWhat is the pass key\? The pass key is$/,
  multikey: /\n\nWhat is the special magic number for [a-z]+\? The special magic number for [a-z]+ is:$/,
  recall: /\n\nRecall the values of [a-z]+, [a-z]+, [a-z]+\. Answer:$/,
  vartrack: /\n\nWhich variables hold the value \d{5}\? They are:$/,
  copy: /\n\nCopy the marked span\. The marked span is:$/,
  tagged: /\n\nList every tagged value in order\. The tagged values are:$/,
  'copy-long': /\n\nCopy the marked span\. The marked span is:$/,
  'tagged-long': /\n\nList every tagged value in order\. The tagged values are:$/,
  'recall-all': /\n\nRecall the values of ([a-z]+, ){11}[a-z]+\. Answer:$/,
};

/** The prompt's paragraphs before the question. */
function paragraphs(t: TaskInstance): string[] {
  return t.prompt.slice(0, t.prompt.lastIndexOf('\n\n')).split('\n\n');
}

test('every task is a pure function of (task, seed, chars, haystack); seeds change the needles', () => {
  for (const task of ALL_TASKS) {
    const a = makeTask(task, 3, CHARS, haystack());
    makeTask(task === 'copy' ? 'tagged' : 'copy', 3, CHARS, haystack()); // no state carried between calls
    assert.deepEqual(makeTask(task, 3, CHARS, haystack()), a, task);
    assert.equal(a.task, task);
    const answers = [1, 2, 3, 4, 5, 6].map((seed) => makeTask(task, seed, CHARS, haystack()).answer);
    assert.equal(new Set(answers).size, answers.length, `${task}: ${answers.join(' |')}`);
    // the answer does not depend on the haystack size (quality.ts sizes answers with chars = 0)
    assert.equal(makeTask(task, 3, 0, haystack()).answer, a.answer, task);
  }
});

test('the answer is in the prompt, the prompt ends with the question, the haystack has about the requested size', () => {
  for (const task of ALL_TASKS) {
    for (const seed of [1, 2, 3]) {
      const t = makeTask(task, seed, CHARS, haystack());
      assert.match(t.prompt, QUESTIONS[task], task);
      assert.equal(t.answer, ` ${t.items.join(task === 'recall' || task === 'recall-all' ? '; ' : ' ')}.`, task);
      // haystack paragraphs are whole source paragraphs or their leading sentences
      const hay = paragraphs(t).filter((p) => SOURCE.some((s) => s.startsWith(p)));
      const hayChars = hay.join('\n\n').length;
      assert.ok(
        hayChars <= CHARS + 1 && hayChars >= CHARS - 70,
        `${task} seed ${seed}: ${hayChars} haystack characters for ${CHARS}`,
      );
      const needles = paragraphs(t).filter((p) => !hay.includes(p));
      switch (task) {
        case 'passkey':
          assert.deepEqual(needles, [`The pass key is ${t.items[0]}. Remember it. ${t.items[0]} is the pass key.`]);
          break;
        case 'multikey': {
          const asked = t.prompt.match(/for ([a-z]+)\? /)![1];
          assert.equal(needles.length, 4);
          assert.ok(needles.includes(`One of the special magic numbers for ${asked} is: ${t.items[0]}.`));
          break;
        }
        case 'recall':
          assert.equal(needles.length, 6);
          for (const item of t.items) assert.ok(needles.includes(`Remember: ${item}.`), item);
          assert.equal(
            t.prompt.match(/Recall the values of (.*)\. Answer:$/)![1],
            t.items.map((i) => i.split(' = ')[0]).join(', '),
          );
          break;
        case 'vartrack': {
          const value = t.prompt.match(/hold the value (\d+)\?/)![1];
          const chain = t.items.map((n, i) => (i === 0 ? `VAR ${n} = ${value}.` : `VAR ${n} = VAR ${t.items[i - 1]}.`));
          assert.deepEqual(needles, chain); // every link, in order
          break;
        }
        case 'copy':
        case 'copy-long':
          assert.deepEqual(needles, [`<copy>${t.items.join(' ')}</copy>`]);
          assert.equal(t.items.length, task === 'copy' ? 6 : 40);
          break;
        case 'recall-all':
          assert.deepEqual(
            needles,
            t.items.map((i) => `Remember: ${i}.`),
          ); // every key, in order, and every key asked
          assert.equal(t.items.length, 12);
          break;
        case 'tagged':
        case 'tagged-long':
          assert.equal(t.items.length, task === 'tagged' ? 8 : 24);
          assert.deepEqual(
            needles,
            t.items.map((v) => `[tag ${v}]`),
          ); // in order
          break;
      }
    }
  }
});

test('scoreTask: exact answers score 1, trailing text after the final period is ignored', () => {
  for (const task of ALL_TASKS) {
    const t = makeTask(task, 4, 500, haystack());
    assert.deepEqual(scoreTask(t, t.answer), { exact: true, items: 1 }, task);
    assert.deepEqual(scoreTask(t, `${t.answer}\n\nWhat is 7? It is 7.`), { exact: true, items: 1 }, task);
    assert.deepEqual(scoreTask(t, `${t.answer.trimEnd()}   `), { exact: true, items: 1 }, task);
    // words after the period do not count against (or for) the items
    assert.equal(scoreTask(t, `${t.answer} wrong wrong wrong; wrong.`).items, 1, task);
    assert.deepEqual(scoreTask(t, ''), { exact: false, items: 0 }, task);
  }
});

test('scoreTask: wrong values score 0, swapped or missing ones get partial credit', () => {
  const passkey = makeTask('passkey', 5, 500, haystack());
  const key = passkey.items[0];
  const other = key === '12345' ? '54321' : '12345';
  assert.deepEqual(scoreTask(passkey, ` ${other}.`), { exact: false, items: 0 });
  assert.deepEqual(scoreTask(passkey, ` ${key}`), { exact: false, items: 1 }); // no period: not exact, value right
  assert.deepEqual(scoreTask(passkey, ` I think it is${passkey.answer}`), { exact: false, items: 0 }); // only at the start

  const tagged = makeTask('tagged', 5, 500, haystack());
  const v = tagged.items;
  assert.notEqual(v[0], v[1]);
  const swapped = scoreTask(tagged, ` ${[v[1], v[0], ...v.slice(2)].join(' ')}.`);
  assert.deepEqual(swapped, { exact: false, items: 6 / 8 });
  // a dropped value shifts the rest: each item counts only at its own place
  assert.deepEqual(scoreTask(tagged, ` ${v.slice(1).join(' ')}.`), { exact: false, items: 0 });
  assert.deepEqual(scoreTask(tagged, ` ${v.slice(0, 5).join(' ')}.`), { exact: false, items: 5 / 8 });

  const recall = makeTask('recall', 5, 500, haystack());
  const [a, b, c] = recall.items;
  assert.deepEqual(scoreTask(recall, ` ${a}; ${b}; ${c.replace(/\d+$/, '0')}.`), { exact: false, items: 2 / 3 });
  assert.deepEqual(scoreTask(recall, ` ${a}.`), { exact: false, items: 1 / 3 });
  assert.deepEqual(scoreTask(recall, ` ${b}; ${a}; ${c}.`), { exact: false, items: 1 / 3 });

  const vartrack = makeTask('vartrack', 5, 500, haystack());
  assert.deepEqual(scoreTask(vartrack, ` ${vartrack.items.slice(0, 3).join(' ')} ZZ.`), { exact: false, items: 3 / 4 });
});

test('paragraphsOf: blank-line paragraphs, tidied; long unbroken text becomes sentence runs of at most maxChars', () => {
  const text =
    'The first paragraph is long enough to be kept.\n\n  The second\n   one spans   two lines and is kept.\n\n\n\nToo short.\n \nAnd a third paragraph, also long enough to be kept.';
  assert.deepEqual(paragraphsOf(text), [
    'The first paragraph is long enough to be kept.',
    'The second one spans two lines and is kept.',
    'And a third paragraph, also long enough to be kept.',
  ]);
  const sentences = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} has no break around it.`);
  const runs = paragraphsOf(sentences.join(' '), 1, 200);
  assert.ok(runs.length > 1);
  for (const r of runs) {
    assert.ok(r.length <= 200, `${r.length} > 200`);
    assert.match(r, /^Sentence number \d+ .*\.$/); // whole sentences only
  }
  assert.equal(runs.join(' '), sentences.join(' ')); // nothing lost or reordered
  // at the boundary: three equal sentences fit in exactly their length, not in one character less
  const same = Array.from({ length: 9 }, (_, i) => `This is sentence number ${i} of nine.`);
  const three = same.slice(0, 3).join(' ').length;
  assert.deepEqual(
    paragraphsOf(same.join(' '), 1, three).map((r) => r.split('. ').length),
    [3, 3, 3],
  );
  assert.deepEqual(
    paragraphsOf(same.join(' '), 1, three - 1).map((r) => r.split('. ').length),
    [2, 2, 2, 2, 1],
  );
  assert.deepEqual(paragraphsOf('', 1, 200), []);
});

test('parseTask accepts the nine task names and rejects others clearly; an empty haystack is an error', () => {
  for (const task of ALL_TASKS) assert.equal(parseTask(task), task);
  assert.throws(
    () => parseTask('needle'),
    /^LmlabError: unknown task "needle" \(one of passkey, multikey, recall, vartrack, copy, tagged, copy-long, tagged-long, recall-all\)$/,
  );
  assert.throws(() => new Haystack([]), /the haystack needs at least one paragraph of text/);
});

test('makeDrill: deterministic; the second half is exactly answerable from the first', () => {
  assert.equal(makeDrill(5), makeDrill(5));
  assert.notEqual(makeDrill(5), makeDrill(6));
  let lists = 0;
  let lookups = 0;
  for (let seed = 0; seed < 200; seed++) {
    const text = makeDrill(seed);
    const repeat = /^List: (.+)\. Again: (.+)\.$/.exec(text);
    if (repeat) {
      lists++;
      assert.equal(repeat[2], repeat[1]);
      continue;
    }
    const [pairs, queries] = text.split(' Lookup: ');
    const value = new Map([...pairs.matchAll(/(\w+) = (\d+)\./g)].map((m) => [m[1], m[2]]));
    const asked = [...queries.matchAll(/(\w+) = (\d+)\./g)];
    assert.ok(value.size >= 4, text);
    assert.deepEqual(new Set(asked.map((m) => m[1])), new Set(value.keys()), 'every key is queried once');
    for (const m of asked) assert.equal(m[2], value.get(m[1]), text);
    lookups++;
  }
  assert.ok(lists > 50 && lookups > 50, `both kinds occur (${lists} lists, ${lookups} lookups)`);
});
