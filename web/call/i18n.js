// Loads the per-language string catalogues (web/i18n/<lang>.json), chooses
// the language, and fills the page's data-i18n elements. Missing keys fall
// back to English.

const CATALOGUE_FOLDER = new URL('../i18n/', import.meta.url);
const FALLBACK_LANGUAGE = 'en';
const LANGUAGE_CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

let fallback = {};
let catalogue = {};
let language = FALLBACK_LANGUAGE;

async function fetchJson(url) {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url} returned HTTP ${response.status}`);
  return response.json();
}

// Returns the codes listed in web/i18n/index.json.
export async function availableLanguages() {
  try {
    const index = await fetchJson(new URL('index.json', CATALOGUE_FOLDER));
    return Array.isArray(index.languages) ? index.languages.filter((code) => LANGUAGE_CODE.test(code)) : [FALLBACK_LANGUAGE];
  } catch {
    return [FALLBACK_LANGUAGE];
  }
}

// Picks the first of the requested codes that is available, matching "ar-EG" to "ar".
export function chooseLanguage(requested, available) {
  for (const code of requested) {
    if (!code) continue;
    const lower = code.toLowerCase();
    if (available.includes(lower)) return lower;
    const base = lower.split('-')[0];
    if (available.includes(base)) return base;
  }
  return FALLBACK_LANGUAGE;
}

// Loads English and the chosen catalogue; a catalogue that fails to load leaves English.
export async function loadLanguage(code) {
  if (Object.keys(fallback).length === 0) fallback = await fetchJson(new URL(`${FALLBACK_LANGUAGE}.json`, CATALOGUE_FOLDER));
  language = code;
  catalogue = fallback;
  if (code !== FALLBACK_LANGUAGE) {
    try {
      catalogue = await fetchJson(new URL(`${code}.json`, CATALOGUE_FOLDER));
    } catch (error) {
      console.warn(`catalogue ${code} failed to load, using English`, error);
      language = FALLBACK_LANGUAGE;
    }
  }
  return language;
}

export function currentLanguage() {
  return language;
}

export function direction() {
  return translate('_direction') === 'rtl' ? 'rtl' : 'ltr';
}

// Returns the string for key with {name} placeholders replaced from values.
export function translate(key, values = {}) {
  const text = catalogue[key] ?? fallback[key];
  if (typeof text !== 'string') {
    console.warn(`missing string ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

// Sets lang and dir on <html>, and the text and aria-label of every marked element.
export function applyToDocument(root = document) {
  document.documentElement.lang = language;
  document.documentElement.dir = direction();
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = translate(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', translate(element.dataset.i18nLabel));
  }
}

// Formats a whole number with Intl.NumberFormat for the current language
// code, whose locale data chooses the digits (Latin for "ar" in Chromium).
export function formatNumber(value, minimumDigits = 1) {
  return new Intl.NumberFormat(language, { minimumIntegerDigits: minimumDigits, useGrouping: false }).format(value);
}
