// The teacher-forced answer loss of the evaluation: on the dense engine it equals scoring the
// prompt and answer in one pass (so prefill, decode and the log-softmax agree), it is the same
// on a session reused after other work, and a skipping session changes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerLoss } from '../../src/adaskip/experiment/quality.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { scoreTokens } from '../../src/model/score.ts';
import { manualSession, model, tokens } from './helpers.ts';

const prompt = tokens(37, 3);
const answer = tokens(9, 4);

test('answer loss equals one-pass scoring of prompt + answer on the dense engine', () => {
  const session = new InferenceSession(model, { chunk: 16 });
  const loss = answerLoss(session, prompt, answer);
  const whole = Int32Array.from([...prompt, ...answer]);
  const scored = scoreTokens(model, whole, prompt.length, 16);
  assert.equal(scored.tokens.length, answer.length);
  assert.ok(Math.abs(loss - scored.nll / answer.length) < 1e-4, `${loss} vs ${scored.nll / answer.length}`);
  // the session is reset per call: other work in between changes nothing
  answerLoss(session, tokens(50, 9), tokens(3, 10));
  assert.equal(answerLoss(session, prompt, answer), loss);
});

test('answer loss sees the skipping, and rejects an empty answer', () => {
  const dense = answerLoss(new InferenceSession(model, { chunk: 16 }), prompt, answer);
  const skipped = answerLoss(manualSession([null, 1, null, null], [null, null, 1, null]), prompt, answer);
  assert.ok(Number.isFinite(skipped) && skipped > 0);
  assert.notEqual(skipped, dense);
  assert.throws(() => answerLoss(new InferenceSession(model), prompt, new Int32Array(0)), /answer is empty/);
});
