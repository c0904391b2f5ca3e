#!/usr/bin/env node
// The rnn-lens command line: runs the engine's bundled CLI (build it first with `npm run build`).
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('rnn-lens: dist/cli.js is missing; run `npm run build` first.');
  process.exit(2);
}
require(cli);
