#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core and axe-core,
# pinned in package-lock.json) into tests/browser/node_modules. The browser itself is
# Debian's chromium package (/usr/bin/chromium); playwright-core never
# downloads one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup.sh: node and npm are required (Debian packages nodejs and npm)" >&2
  exit 1
fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "setup.sh: /usr/bin/chromium is missing (Debian package chromium)" >&2
  exit 1
fi

cd "$here"
# Skip the install when node_modules already holds every locked package at
# its locked version.
installed_matches_lock() {
  [[ -f node_modules/.package-lock.json ]] || return 1
  node -e '
    const locked = require("./package-lock.json").packages;
    const installed = require("./node_modules/.package-lock.json").packages;
    const stale = Object.keys(locked).filter((name) => name !== "" && installed[name]?.version !== locked[name].version);
    process.exit(stale.length === 0 ? 0 : 1);
  '
}
if installed_matches_lock; then
  exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
