// Check 3b of the reproduction ("generation prefixed with a source's label imitates that source"),
// measured by a judge independent of the model: a multinomial naive-Bayes classifier over token
// unigrams, fitted on the training documents of each source. A label-conditioned generation
// "imitates" its source when the classifier assigns it to that source; the rate is compared
// with chance and with the rate for unconditioned generations.
import type { Shard } from '../../train/shards.ts';

export class UnigramSourceClassifier {
  private readonly logProbs: Float64Array[];
  private readonly logPriors: number[];

  constructor(
    readonly sources: string[],
    vocabSize: number,
    counts: Float64Array[],
    docCounts: number[],
  ) {
    const totalDocs = docCounts.reduce((a, b) => a + b, 0);
    this.logPriors = docCounts.map((n) => Math.log((n + 1) / (totalDocs + sources.length)));
    this.logProbs = counts.map((c) => {
      let total = 0;
      for (let i = 0; i < vocabSize; i++) total += c[i];
      const lp = new Float64Array(vocabSize);
      for (let i = 0; i < vocabSize; i++) lp[i] = Math.log((c[i] + 0.5) / (total + 0.5 * vocabSize));
      return lp;
    });
  }

  /** Fits on shards whose source ids index `sources`; masked (metadata) tokens are ignored. */
  static fit(sources: string[], vocabSize: number, shards: Iterable<Shard>): UnigramSourceClassifier {
    const counts = sources.map(() => new Float64Array(vocabSize));
    const docs = sources.map(() => 0);
    for (const shard of shards) {
      for (let d = 0; d + 1 < shard.offsets.length; d++) {
        const s = shard.sources[d];
        docs[s]++;
        for (let i = shard.offsets[d]; i < shard.offsets[d + 1]; i++)
          if (shard.mask[i]) counts[s][shard.tokens[i]] += 1;
      }
    }
    return new UnigramSourceClassifier(sources, vocabSize, counts, docs);
  }

  classify(tokens: ArrayLike<number>): number {
    let best = 0;
    let bestScore = -Infinity;
    for (let s = 0; s < this.sources.length; s++) {
      let score = this.logPriors[s];
      const lp = this.logProbs[s];
      for (let i = 0; i < tokens.length; i++) score += lp[tokens[i]];
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    return best;
  }
}
