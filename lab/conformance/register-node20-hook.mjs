// Entry for `node --import`: registers node20-glob-hook.mjs on a Node without
// `fs.globSync` (Node 20), and does nothing on Node 22 or newer. Why the hook
// exists is explained at the top of node20-glob-hook.mjs.
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') register('./node20-glob-hook.mjs', import.meta.url);
