#!/usr/bin/env node
// Copies what drivers ship beside their code but tsc does not emit (the
// drm-ci expectation files, drivers/<driver>/**/*.txt) into dist/, so the
// compiled CLI finds them where the compiled module looks: next to itself.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const from = path.join(root, 'drivers');
const to = path.join(root, 'dist', 'drivers');

function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && e.name.endsWith('.txt')) {
      const dest = path.join(to, path.relative(from, p));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(p, dest);
    }
  }
}
walk(from);
