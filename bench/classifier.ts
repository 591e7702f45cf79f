// Comment classifier benchmark: accuracy on the held-out part of the labelled set, 5-fold
// cross-validation over the whole set (a second, less lucky-split-prone figure), the lexicon
// alone as a baseline, and throughput (comments per second, bounded to a few seconds).
// `npm run bench -- classifier`
import { evaluate, labelledComments, lexiconScore, trainClassifier } from '../src/surveys/classifier/classifier.js';
import { machineLine, peakMb } from './lib/machine.js';

console.log(machineLine());
const rows = labelledComments();
const train = rows.filter((r) => r.split === 'train');
const test = rows.filter((r) => r.split === 'test');
console.log(`labelled comments: ${rows.length} (train ${train.length}, held out ${test.length})`);

let t0 = performance.now();
const model = trainClassifier(train);
const trainMs = performance.now() - t0;
const held = evaluate(model, test);
console.log(
  `held out: sentiment ${held.sentimentAccuracy.toFixed(3)} (lexicon alone ${held.lexiconOnlySentimentAccuracy.toFixed(3)}), churn reason ${held.reasonAccuracy.toFixed(3)} over ${held.reasonN} comments with a reason`,
);

const k = 5;
let sOk = 0;
let rOk = 0;
let rN = 0;
for (let f = 0; f < k; f++) {
  const fold = rows.filter((_, i) => i % k === f);
  const rest = rows.filter((_, i) => i % k !== f);
  const e = evaluate(trainClassifier(rest), fold);
  sOk += e.sentimentAccuracy * e.n;
  rOk += e.reasonAccuracy * e.reasonN;
  rN += e.reasonN;
  console.log(`fold ${f + 1}/${k}: sentiment ${e.sentimentAccuracy.toFixed(3)}, reason ${e.reasonAccuracy.toFixed(3)}`);
}
const cvS = sOk / rows.length;
const cvR = rOk / rN;

const texts = rows.map((r) => r.text);
const timeIt = (fn: (s: string) => unknown) => {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) for (const t of texts) fn(t), n++;
  return n / ((performance.now() - start) / 1000);
};
t0 = performance.now();
const perS = timeIt((s) => model.classify(s));
const lexPerS = timeIt((s) => lexiconScore(s));
console.log(`throughput: ${Math.round(perS)} comments/s (lexicon alone ${Math.round(lexPerS)}/s), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(
  `classifier: n=${rows.length} n_test=${test.length} sentiment_acc=${held.sentimentAccuracy.toFixed(3)} reason_acc=${held.reasonAccuracy.toFixed(3)} lexicon_only_sentiment_acc=${held.lexiconOnlySentimentAccuracy.toFixed(3)} cv5_sentiment_acc=${cvS.toFixed(3)} cv5_reason_acc=${cvR.toFixed(3)} train_ms=${trainMs.toFixed(1)} comments_per_s=${Math.round(perS)} vs_lexicon_ratio=${(perS / lexPerS).toFixed(2)} peak_mb=${peakMb()}`,
);
