'use strict';
/**
 * `npm run bench`: training and inference throughput (tokens/s) of an Embedding → LSTM → Dense softmax
 * classifier on two configs, for each peer in its own child process (tfjs-layers on the cpu and wasm
 * backends, PyTorch CPU at 1 and 2 threads, our fused engine), with ratios against ours, each peer's
 * peak RSS, and our inference-with-capture latency. Ours and PyTorch run in interleaved rounds (best of
 * the rounds is reported, with the median too) so that host speed drifting over minutes does not decide
 * the ratio. Prints a table and writes bench/results/*.json.
 * This file reads the options and runs the sequence; workload.js says what is measured, peers.js who
 * runs it, peerProcess.js runs one peer, rounds.js the rounds, ratios.js compares, report.js reports.
 * Usage: node bench/run.js [--quick] [--peers tfjs,torch,ours] [--rounds N] [--help]
 */
const { parseArgs } = require('node:util');
const { measureEngineRss } = require('./engineRss');
const { machineInfo } = require('./machine');
const { measureSgemmPeak } = require('./peak');
const { PEERS, matchesPeer, findTorchPython } = require('./peers');
const { compare } = require('./ratios');
const { buildReport, writeReport, printReport, progress } = require('./report');
const { DEFAULT_ROUNDS, runAllPeers } = require('./rounds');

const HELP = `Usage: npm run bench -- [--quick] [--peers LIST] [--rounds N]

  --quick        short timing (smoke run); the slow tfjs large cells are not run
  --peers LIST   comma-separated peers or groups: tfjs, torch, ours, tfjs-cpu, tfjs-wasm, or ids
                 (${PEERS.map((p) => p.id).join(', ')}); default: all
  --rounds N     rounds of the head-to-head peers (ours, torch-1, torch-2), interleaved: ours, torch-1,
                 torch-2, then again, N times; each cell reports the best round (and the ratio of the
                 medians too). The tfjs peers run once, after the rounds. Integer ≥ 1; default
                 ${DEFAULT_ROUNDS.full}, under --quick ${DEFAULT_ROUNDS.quick}
  --help         this text

Writes bench/results/<UTC date-time>.json and bench/results/latest.json; --quick runs write
<UTC date-time>-quick.json and latest-quick.json, runs of some peers <UTC date-time>-partial.json
and latest-partial.json.`;

/** The command-line options: quick, the peers to run (PEERS' order), the names asked for and the rounds; exits 2 on a bad value. */
function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      peers: { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const wanted = values.peers ? values.peers.split(',').map((s) => s.trim()).filter(Boolean) : ['tfjs', 'torch', 'ours'];
  const unknown = wanted.filter((name) => !PEERS.some((p) => matchesPeer(p, name)));
  if (unknown.length) {
    console.error(`Unknown peer(s): ${unknown.join(', ')}\n\n${HELP}`);
    process.exit(2);
  }
  let rounds = values.quick ? DEFAULT_ROUNDS.quick : DEFAULT_ROUNDS.full;
  if (values.rounds !== undefined) {
    rounds = /^\d+$/.test(values.rounds) ? Number(values.rounds) : NaN;
    if (!Number.isSafeInteger(rounds) || rounds < 1) {
      console.error(`--rounds must be an integer ≥ 1, not '${values.rounds}'\n\n${HELP}`);
      process.exit(2);
    }
  }
  return { quick: values.quick, peers: PEERS.filter((p) => wanted.some((name) => matchesPeer(p, name))), requested: wanted, rounds };
}

/** Runs the requested peers, then the engine RSS measurement when ours is among them; writes and prints the report. */
async function main() {
  const options = parseOptions();
  const startedAt = new Date();
  const machine = machineInfo();
  const torch = options.peers.some((p) => p.kind === 'torch') ? findTorchPython() : { error: 'not requested' };
  if (machine.loadAverageAtStart[0] > 0.5) progress(`warning: load average ${machine.loadAverageAtStart[0]} before starting — other processes share the CPU; figures will be noisy`);
  // The machine's sgemm peak, in the same run, before the peers (the report gives each cell's fraction of it).
  progress('sgemm peak: float32 2048³ on two threads with the best BLAS Python has…');
  const sgemmPeak = measureSgemmPeak(torch.python ?? 'python3');
  const peers = await runAllPeers(options, torch);
  let engineRss;
  if (options.peers.some((p) => p.id === 'ours')) {
    progress('engine RSS: training the large config with dist/cli.js…');
    try {
      engineRss = await measureEngineRss();
    } catch (error) {
      engineRss = { error: error.message };
    }
  }
  const report = buildReport({ options, startedAt, machine, torch, peers, comparison: compare(peers), engineRss, sgemmPeak });
  writeReport(report, options);
  printReport(report);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
