#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core, pinned in
# package-lock.json) into tests/browser/node_modules. The browser itself is
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
# Skip the install when node_modules already matches the lock file.
if [[ -f node_modules/.package-lock.json ]] && cmp -s <(node -e 'const l=require("./package-lock.json");console.log(JSON.stringify(l.packages["node_modules/playwright-core"]?.version))') \
     <(node -e 'const l=require("./node_modules/.package-lock.json");console.log(JSON.stringify(l.packages["node_modules/playwright-core"]?.version))'); then
  exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
