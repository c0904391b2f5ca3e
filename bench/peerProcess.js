'use strict';
/**
 * One peer's run: starts its child process with a plan, kills it at its time limit, reads the result
 * lines it sends (peerSupport.js's protocol), samples its peak RSS and the CPU other processes used
 * meanwhile, and turns what it sent into a summary: per-cell figures, info, capture and status.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { RESULT_PREFIX, readVmHwmMb } = require('./peerSupport');
const { CONFIG_NAMES, PHASES } = require('./workload');
const { cellSpec, commandFor } = require('./peers');

const ROOT = path.join(__dirname, '..');

/** Busy CPU jiffies of the whole machine and of this process with its reaped children (for the others' share). */
function cpuJiffies() {
  try {
    const total = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = total;
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields[11..14] are utime, stime, cutime, cstime (stat fields 14–17).
    const ours = fields[11] + fields[12] + fields[13] + fields[14];
    return { busy: user + nice + system + irq + softirq + steal, ours };
  } catch {
    return undefined;
  }
}

/** Average number of cores other processes kept busy between two cpuJiffies() readings. */
function otherCores(before, after, seconds) {
  if (!before || !after || seconds <= 0) return undefined;
  const clockTicks = 100;
  return Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / clockTicks / seconds;
}
/** Runs one peer to completion (or its timeout) and collects its messages, its log tail and its peak RSS. */
function runPeer(peer, plan, torchPython, onMessage) {
  const [command, args] = commandFor(peer, torchPython);
  return new Promise((resolve) => {
    const started = Date.now();
    const cpuBefore = cpuJiffies();
    const child = spawn(command, [...args, JSON.stringify(plan)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const messages = [];
    const logTail = [];
    let sampledPeakMb;
    let timedOut = false;
    let spawnError;
    const remember = (line) => {
      if (!line.trim()) return;
      logTail.push(line);
      if (logTail.length > 12) logTail.shift();
    };
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith(RESULT_PREFIX)) {
          try {
            const message = JSON.parse(line.slice(RESULT_PREFIX.length));
            messages.push(message);
            onMessage(message);
          } catch {
            remember(line);
          }
        } else remember(line);
      }
    });
    let errText = '';
    child.stderr.on('data', (chunk) => {
      errText += chunk;
      const lines = errText.split('\n');
      errText = lines.pop();
      lines.forEach(remember);
    });
    const sampler = setInterval(() => {
      const mb = child.pid ? readVmHwmMb(child.pid) : undefined;
      if (mb !== undefined) sampledPeakMb = Math.max(sampledPeakMb ?? 0, mb);
    }, 250);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, peer.timeoutSeconds * 1000);
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      remember(errText);
      const seconds = (Date.now() - started) / 1000;
      const otherCpuCores = otherCores(cpuBefore, cpuJiffies(), seconds);
      resolve({ messages, logTail, sampledPeakMb, timedOut, spawnError, exitCode: code, signal, seconds, otherCpuCores });
    });
  });
}

/** Turns a peer's messages into per-cell figures, info, peak RSS and status. */
function summarizePeer(peer, run, plan) {
  const cells = {};
  for (const configName of CONFIG_NAMES) cells[configName] = {};
  let info = {};
  let fatal;
  let crash;
  let reportedPeakMb;
  let capture;
  for (const m of run.messages) {
    if (m.type === 'info') info = { ...info, ...m, type: undefined };
    else if (m.type === 'fatal') fatal = m.message;
    else if (m.type === 'crash') crash = m.message;
    else if (m.type === 'memory') reportedPeakMb = Math.max(reportedPeakMb ?? 0, m.peakRssMb);
    else if (m.type === 'capture') capture = m;
    else if (m.type === 'result') cells[m.config][m.phase] = { status: 'ok', ...pick(m, ['tokensPerSecond', 'steps', 'seconds', 'warmupSteps', 'fixedSteps', 'tokensPerStep']) };
    else if (m.type === 'error') cells[m.config][m.phase] = { status: 'error', message: m.message };
    else if (m.type === 'skipped') cells[m.config][m.phase] = { status: 'skipped', message: m.message };
  }
  const ended = howItEnded(peer, run, crash);
  for (const configName of CONFIG_NAMES) {
    for (const phase of PHASES) {
      if (!cells[configName][phase]) cells[configName][phase] = { status: 'error', message: fatal ?? ended ?? 'no result (see logTail)' };
    }
  }
  for (const configName of CONFIG_NAMES) {
    for (const phase of PHASES) {
      const estimate = cellSpec(peer, configName, phase, plan.quick).estimateFrom;
      const source = estimate && cells[estimate.config][estimate.phase];
      if (cells[configName][phase].status !== 'skipped' || source?.status !== 'ok') continue;
      const seconds = (source.seconds / source.steps) * estimate.factor;
      cells[configName][phase].estimatedSecondsPerStep = seconds;
      cells[configName][phase].message += `; estimate (not measured) from this run's ${estimate.config} ${estimate.phase} step × ${estimate.factor}: ~${Math.round(seconds / 60)} min per step`;
    }
  }
  const status = fatal ? 'not available' : run.timedOut ? 'timed out' : run.exitCode === 0 ? 'ok' : 'failed';
  return {
    id: peer.id,
    label: peer.label,
    status,
    message: fatal ?? ended,
    info,
    cells,
    peakRssMb: reportedPeakMb ?? run.sampledPeakMb,
    peakRssSource: reportedPeakMb !== undefined ? 'VmHWM read by the peer at the end' : run.sampledPeakMb !== undefined ? 'VmHWM sampled every 250 ms by bench/run.js' : 'none',
    wallSeconds: run.seconds,
    otherCpuCores: run.otherCpuCores,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    logTail: status === 'ok' ? undefined : run.logTail,
    capture,
  };
}

/** Why a peer stopped early, or undefined when it exited normally. */
function howItEnded(peer, run, crash) {
  if (run.spawnError) return `could not start: ${run.spawnError}`;
  if (crash) return `crashed: ${crash}`;
  if (run.timedOut) return `killed after the ${peer.timeoutSeconds} s peer time limit`;
  if (run.exitCode !== 0) return `exited with ${run.signal ?? `code ${run.exitCode}`}: ${run.logTail.slice(-3).join(' | ')}`;
  return undefined;
}


/** The keys of `object` in `keys` whose values are defined. */
function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

module.exports = { runPeer, summarizePeer };
