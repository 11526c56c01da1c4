// Loaded with `node --import` by test/xeps/area-split.test.ts: records every module URL the process
// (all its threads) resolves into the file named by RECORD_IMPORTS_FILE, one per line.
import { register } from 'node:module';

const file = process.env.RECORD_IMPORTS_FILE;
if (file) register('./record-imports-hooks.js', import.meta.url, { data: { file } });
