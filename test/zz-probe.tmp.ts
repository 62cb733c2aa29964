import { loadModelDir } from '../src/model/load.ts';
import { InferenceSession } from '../src/model/inference.ts';
import { latestCheckpoint } from '../src/train/checkpoint.ts';
import { Haystack, makeTask, TASKS } from '../src/adaskip/tasks.ts';
import { heldOutParagraphs, recipePaths } from '../src/adaskip/recipe.ts';
const paths = recipePaths(process.argv[2]);
const dir = latestCheckpoint(paths.run)!;
const { model, tokenizer } = await loadModelDir(dir);
const tk = tokenizer!;
const hay = new Haystack(heldOutParagraphs(paths));
const session = new InferenceSession(model);
for (const chars of (process.argv[3] ?? "150,600,2500").split(",").map(Number)) for (const task of TASKS) {
  let hits = 0; let shown = false;
  for (let seed = 1; seed <= 6; seed++) {
    const inst = makeTask(task, seed, chars, hay);
    const ids = Int32Array.from([tk.bosId!, ...tk.encode(inst.prompt)]);
    session.reset();
    let logits = session.prefill(ids).data;
    const out: number[] = [];
    for (let i = 0; i < tk.encode(inst.answer).length + 2; i++) {
      let b = 0; for (let j = 1; j < logits.length; j++) if (logits[j] > logits[b]) b = j;
      out.push(b); logits = session.decode(b).data;
    }
    const text = tk.decode(out);
    if (text.startsWith(inst.answer)) hits++;
    if (!shown) { console.log(`${task} @${chars} (${ids.length} tok): want ${JSON.stringify(inst.answer)} got ${JSON.stringify(text)}`); shown = true; }
  }
  console.log(`${task} @${chars}: ${hits}/6 exact`);
}
