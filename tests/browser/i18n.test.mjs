// Checks the call page's string catalogues (web/i18n/*.json) without a
// browser: every language listed in index.json has every key of en.json with
// the same {placeholders}, and every key the page uses exists in en.json.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceDir = process.env.SIGHTLINE_SOURCE_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const i18nDir = path.join(sourceDir, 'web/i18n');
const callDir = path.join(sourceDir, 'web/call');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

function usedKeys() {
  const keys = new Set();
  const html = readFileSync(path.join(callDir, 'index.html'), 'utf8');
  for (const match of html.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)) keys.add(match[1]);
  for (const file of readdirSync(callDir).filter((name) => name.endsWith('.js'))) {
    const script = readFileSync(path.join(callDir, file), 'utf8');
    for (const match of script.matchAll(/translate\('([^']+)'/g)) keys.add(match[1]);
    // The state and end-reason tables map to catalogue keys.
    for (const match of script.matchAll(/'((?:state|reason)[A-Z]\w*)'/g)) keys.add(match[1]);
  }
  return keys;
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

const english = readJson(path.join(i18nDir, 'en.json'));
const index = readJson(path.join(i18nDir, 'index.json'));
assert.ok(Array.isArray(index.languages) && index.languages.includes('en'), 'index.json must list "en"');

const files = readdirSync(i18nDir).filter((name) => name.endsWith('.json') && name !== 'index.json');
for (const file of files) {
  check(index.languages.includes(path.basename(file, '.json')), `${file} is not listed in index.json`);
}

for (const code of index.languages) {
  const file = `${code}.json`;
  check(files.includes(file), `index.json lists ${code} but ${file} is missing`);
  if (!files.includes(file)) continue;
  const catalogue = readJson(path.join(i18nDir, file));
  check(['ltr', 'rtl'].includes(catalogue._direction), `${file}: _direction must be "ltr" or "rtl"`);
  for (const [key, text] of Object.entries(english)) {
    check(typeof catalogue[key] === 'string' && catalogue[key].trim() !== '', `${file}: missing key ${key}`);
    if (typeof catalogue[key] !== 'string') continue;
    check(JSON.stringify(placeholders(catalogue[key])) === JSON.stringify(placeholders(text)),
      `${file}: ${key} has placeholders ${placeholders(catalogue[key])}, en.json has ${placeholders(text)}`);
  }
  for (const key of Object.keys(catalogue)) {
    check(key in english, `${file}: key ${key} is not in en.json`);
  }
}

for (const key of usedKeys()) check(key in english, `the call page uses ${key}, which en.json lacks`);

if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exitCode = 1;
} else {
  console.log(`catalogues checked: ${index.languages.join(', ')}; ${Object.keys(english).length} keys each`);
}
