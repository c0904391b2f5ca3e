#!/usr/bin/env node
// The test command (`npm test`): setup, type check, build, unit, webview, integration and e2e tests, in that
// order; every stage runs even when an earlier one failed (except after a failed build). Ends with
// a summary table and one line `N passed, N failed`; exits non-zero when anything failed.
//   RNN_LENS_SKIP_SETUP=1                 skip scripts/setup.sh
//   RNN_LENS_TEST_STAGES=unit,integration run a subset of: typecheck, build, unit, webview, integration, e2e
//                                         (webview, integration and e2e bring the build along)
// Plain Node with no dependencies: it must start on a fresh clone.
'use strict';

const { spawn } = require('child_process');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Counts from a mocha spec reporter's summary ("N passing", "N failing", "N pending"). */
function mochaCounts(out) {
  const last = (re) => {
    const all = [...out.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const passed = last(/^\s*(\d+) passing\b/gm);
  const failed = last(/^\s*(\d+) failing\b/gm);
  if (passed === null && failed === null) return null;
  return { passed: passed || 0, failed: failed || 0 };
}

/** Counts from the integration report's final line "N passed, N failed". */
function reportCounts(out) {
  const all = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)];
  if (!all.length) return null;
  const m = all[all.length - 1];
  return { passed: Number(m[1]), failed: Number(m[2]) };
}

const allStages = [
  { name: 'setup', cmd: 'bash', args: ['scripts/setup.sh'], fatal: true },
  { name: 'typecheck', cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'build', cmd: process.execPath, args: ['esbuild.js'], fatal: true },
  { name: 'unit', cmd: npx, args: ['mocha'], parse: mochaCounts },
  { name: 'webview', cmd: process.execPath, args: ['test/webview/run.js'], parse: mochaCounts, needsBuild: true },
  { name: 'integration', cmd: process.execPath, args: ['test/integration/runOffline.js'], parse: reportCounts, needsBuild: true },
  { name: 'e2e', cmd: process.execPath, args: ['test/e2e/run.js'], parse: mochaCounts, needsBuild: true },
];

function selectStages() {
  const wanted = (process.env.RNN_LENS_TEST_STAGES || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = allStages.map((s) => s.name);
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length) {
    console.error(`RNN_LENS_TEST_STAGES: unknown stage(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    process.exit(2);
  }
  const selected = new Set(wanted.length ? wanted : known.filter((n) => n !== 'setup'));
  if (allStages.some((s) => s.needsBuild && selected.has(s.name))) selected.add('build');
  if (process.env.RNN_LENS_SKIP_SETUP !== '1') selected.add('setup');
  else selected.delete('setup');
  return allStages.filter((s) => selected.has(s.name));
}

let current = null;

/** Runs one stage, streaming its output; resolves with { code, output }. */
function runStage(stage) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(stage.cmd, stage.args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    current = child;
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      output += d;
    });
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      output += d;
    });
    child.on('error', (err) => {
      output += `\n${err.message}\n`;
      console.error(`[test] could not start ${stage.cmd}: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      current = null;
      resolve({ code: code === null ? 128 : code, signal, output });
    });
  });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    // The stage runners clean up their code-server and browser on these signals themselves.
    if (current) current.kill(sig);
    setTimeout(() => process.exit(130), 15000).unref();
  });
}

function pad(s, n) {
  s = String(s);
  return s + ' '.repeat(Math.max(0, n - s.length));
}

async function main() {
  const stages = selectStages();
  const results = [];
  const t0 = Date.now();
  let aborted = null;
  for (const stage of stages) {
    if (aborted) {
      results.push({ name: stage.name, status: 'skipped', passed: 0, failed: 0, seconds: 0 });
      continue;
    }
    console.log(`\n=== ${stage.name}: ${[path.basename(stage.cmd), ...stage.args].join(' ')}`);
    const started = Date.now();
    const { code, output } = await runStage(stage);
    const seconds = (Date.now() - started) / 1000;
    const clean = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    const counts = stage.parse ? stage.parse(clean) : null;
    let passed = counts ? counts.passed : 0;
    let failed = counts ? counts.failed : 0;
    // A stage that failed without failing tests (crash, type errors, no summary) counts as one failure.
    if (code !== 0 && failed === 0) failed = 1;
    if (code === 0 && stage.parse && !counts) {
      console.log(`[test] ${stage.name}: exit 0 but no test summary found in its output`);
      failed = 1;
    }
    const status = code === 0 && failed === 0 ? 'ok' : `FAILED (exit ${code})`;
    results.push({ name: stage.name, status, passed, failed, seconds, counted: Boolean(stage.parse) });
    console.log(`=== ${stage.name}: ${status} in ${seconds.toFixed(1)} s`);
    if (stage.fatal && status !== 'ok') aborted = stage.name;
  }

  const total = (Date.now() - t0) / 1000;
  const totals = results.reduce(
    (acc, r) => ({
      // Stages without tests (setup, typecheck, build) add only their failures.
      passed: acc.passed + (r.counted ? r.passed : 0),
      failed: acc.failed + r.failed,
    }),
    { passed: 0, failed: 0 },
  );
  console.log('\nSummary');
  console.log(`${pad('stage', 13)}${pad('status', 18)}${pad('passed', 8)}${pad('failed', 8)}time`);
  for (const r of results) {
    const p = r.counted ? r.passed : '-';
    console.log(`${pad(r.name, 13)}${pad(r.status, 18)}${pad(p, 8)}${pad(r.failed, 8)}${r.seconds.toFixed(1)} s`);
  }
  console.log(`${pad('total', 13)}${pad('', 18)}${pad(totals.passed, 8)}${pad(totals.failed, 8)}${total.toFixed(1)} s`);
  if (aborted) console.log(`(stages after the failed ${aborted} were skipped)`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  const ok = totals.failed === 0 && results.every((r) => r.status === 'ok');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
