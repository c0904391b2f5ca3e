'use strict';
/** Small helpers the benchmarks share: command-line values, medians, median / p95 / max of samples, and for the browser benchmarks the frame interval and the end of a frame. */

/** The value after `name` on the command line, or `fallback`. */
function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The q-quantile (nearest rank) of an ascending array; NaN when it is empty. */
function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Median of the finite values (mean of the middle two for an even count); undefined when there is none. */
function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, p95 and max of the finite values. */
function summary(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[s.length - 1] };
}

/** The page's frame interval in ms (Playwright page or frame): the mean over 30 requestAnimationFrame steps. */
function frameInterval(target) {
  return target.evaluate(
    () =>
      new Promise((resolve) => {
        const times = [];
        const step = (now) => {
          times.push(now);
          if (times.length < 31) requestAnimationFrame(step);
          else resolve((times[times.length - 1] - times[0]) / (times.length - 1));
        };
        requestAnimationFrame(step);
      }),
  );
}

/**
 * Run in the page before a benchmark's instrumentation, it defines:
 * - window.__afterFrame(callback): calls callback(frameStart, end) with the start of the next frame
 *   and the end of its work (a task posted from that frame's requestAnimationFrame runs after its
 *   style, layout, paint and commit);
 * - window.__countFrames(sample): from now on, until sample.done, pushes onto sample.frames the time
 *   each frame's animation callbacks start (call it from a key's first listener, so its callback comes
 *   before the page's);
 * - window.__frameNumber(sample, inFrame, frameStart): which frame since then shows what was drawn at
 *   sample.drawn (1: the first): inFrame, drawn inside the frame that started at frameStart, else the
 *   next frame after sample.drawn.
 */
function frameHelpers() {
  window.__afterFrame = (callback) =>
    requestAnimationFrame(() => {
      const frameStart = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => callback(frameStart, performance.now());
      channel.port2.postMessage(null);
    });
  window.__countFrames = (sample) => {
    sample.frames = [];
    const tick = () => {
      if (sample.done) return;
      sample.frames.push(performance.now());
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  window.__frameNumber = (sample, inFrame, frameStart) =>
    inFrame ? sample.frames.filter((t) => t <= frameStart).length : sample.frames.filter((t) => t <= sample.drawn).length + 1;
}

/**
 * Prints rows comparing two sets of samples side by side: median and p95 of each, and with `ratio` the
 * second median over the first. row(label, key) prints one (key: a field, or a function of a sample)
 * and returns { a, b }, the two summaries; `rows` collects them.
 */
function sideBySide(a, b, { ratio = false } = {}) {
  const rows = [];
  const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–').padStart(7);
  const row = (label, key) => {
    const pick = (samples) => summary(samples.map((x) => (typeof key === 'function' ? key(x) : x[key])));
    const sa = pick(a);
    const sb = pick(b);
    const r = ratio && sa.median > 0 && Number.isFinite(sb.median) ? `×${(sb.median / sa.median).toFixed(1)}` : '';
    console.log(`${label.padEnd(52)}${f(sa.median)} ${f(sa.p95)}  ${f(sb.median)} ${f(sb.p95)}${ratio ? `  ${r.padStart(6)}` : ''}`);
    rows.push({ label: label.trim(), a: sa, b: sb });
    return { a: sa, b: sb };
  };
  return { row, rows };
}

/** "median met (x), p95 missed (y)" of a summary against a target in ms. */
function verdict(s, targetMs) {
  return `median ${s.median <= targetMs ? 'met' : 'missed'} (${s.median.toFixed(1)}), p95 ${s.p95 <= targetMs ? 'met' : 'missed'} (${s.p95.toFixed(1)})`;
}

/** The share of keystroke samples shown in the first frame after the key (their frameNumber is 1), e.g. "100 %". */
function firstFrameShare(samples) {
  return `${Math.round((100 * samples.filter((x) => x.frameNumber === 1).length) / samples.length)} %`;
}

module.exports = { argValue, firstFrameShare, frameHelpers, frameInterval, median, quantile, sideBySide, summary, verdict };
