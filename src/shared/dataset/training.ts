/** Checks a parsed dataset before training: class counts, too few classes, single examples and imbalance. */
import type { Example, ParsedDataset, TrainingCheck } from './types';

/** Number of examples per label, in order of first appearance. */
export function classCounts(examples: Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { label } of examples) {
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/** Imbalance ratio (largest ÷ smallest class) from which checkTrainable warns. */
export const IMBALANCE_WARNING_RATIO = 10;

/** Says whether a parsed dataset can be trained on (errors) and what looks wrong with it (warnings). */
export function checkTrainable(dataset: ParsedDataset): TrainingCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const firstIssue = dataset.errors.length > 0 ? ` (${dataset.errors[0].message})` : '';
  if (dataset.examples.length === 0) {
    const why = dataset.errorCount > 0 ? `: ${dataset.errorCount} line${dataset.errorCount === 1 ? '' : 's'} could not be parsed${firstIssue}` : '';
    errors.push(`No examples to train on${why}.`);
    return { errors, warnings };
  }
  const counts = classCounts(dataset.examples);
  if (counts.size === 1) {
    const [[label, count]] = [...counts];
    errors.push(`Training needs at least two classes; found only ${JSON.stringify(label)} (${count} example${count === 1 ? '' : 's'}).`);
  }
  if (dataset.errorCount > 0) {
    warnings.push(`${dataset.errorCount} line${dataset.errorCount === 1 ? ' was' : 's were'} skipped because ${dataset.errorCount === 1 ? 'it' : 'they'} could not be parsed${firstIssue}.`);
  }
  if (counts.size > 1) {
    const singles = [...counts].filter(([, count]) => count === 1).map(([label]) => JSON.stringify(label));
    if (singles.length === 1) {
      warnings.push(`Class ${singles[0]} has a single example: it stays in the training set only, so validation and test have no example of it and its scores there read 0 %.`);
    } else if (singles.length > 1) {
      const shown = singles.length > 10 ? `${singles.slice(0, 10).join(', ')} and ${singles.length - 10} more` : singles.join(', ');
      warnings.push(`${singles.length} classes have a single example (${shown}): they stay in the training set only, so validation and test have no example of them and their scores there read 0 %.`);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1]);
    const [most, mostCount] = sorted[0];
    const [least, leastCount] = sorted[sorted.length - 1];
    if (mostCount >= IMBALANCE_WARNING_RATIO * leastCount) {
      warnings.push(
        `The classes are heavily imbalanced: ${JSON.stringify(most)} has ${mostCount} examples, ${JSON.stringify(least)} ` +
        `${leastCount} (${Math.round(mostCount / leastCount)}:1); accuracy alone will look better than the model is.`);
    }
  }
  return { errors, warnings };
}
