// Shared parts of the browser tests: the environment ctest sets, starting
// `sightline serve` and waiting until it listens, staff accounts through
// `sightline user add`, and Chromium with fake media devices.
//
// Environment (set by ctest): SIGHTLINE_BINARY, SIGHTLINE_SOURCE_DIR,
// SIGHTLINE_SHARED_DIR, SIGHTLINE_ARTIFACT_DIR. Run tests/browser/setup.sh first.
// SIGHTLINE_LOG_LEVEL (debug, info, warn or error; info when unset) sets the
// relay's log level, for reading a failure in the relay's log.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
export const { chromium, request: playwrightRequest } = require('playwright-core');

const CHROMIUM = process.env.SIGHTLINE_CHROMIUM ?? '/usr/bin/chromium';
const START_TIMEOUT_MS = 20_000;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; run this test with ctest -L browser`);
  return value;
}

export const env = {
  binary: requireEnv('SIGHTLINE_BINARY'),
  sourceDir: requireEnv('SIGHTLINE_SOURCE_DIR'),
  sharedDir: requireEnv('SIGHTLINE_SHARED_DIR'),
  artifactDir: requireEnv('SIGHTLINE_ARTIFACT_DIR'),
};

// A single test run by name (ctest -R) finds no directory for its logs and
// screenshots in a fresh build tree, so every test makes it.
mkdirSync(env.artifactDir, { recursive: true });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs `sightline user add` for one staff account, password on standard input.
export function addUser(store, account, role, centreId) {
  const args = ['user', 'add', '--store', store, '--username', account.username, '--role', role, '--password-stdin'];
  if (centreId) args.push('--centre', String(centreId));
  const result = spawnSync(env.binary, args, { input: `${account.password}\n`, encoding: 'utf8' });
  assert.equal(result.status, 0, `sightline user add ${account.username} failed: ${result.stderr}`);
}

// Starts `sightline serve` over HTTPS on free ports with the repository's
// pages, plus `args`. `ready` resolves with the control port once the log
// reports that it listens. `events` collects the JSON log lines, and the
// whole log goes to ARTIFACT_DIR/<logName>.
export function startServe({ dataDir, logName, args = [] }) {
  const log = createWriteStream(path.join(env.artifactDir, logName));
  const relay = spawn(env.binary, [
    'serve',
    '--control.port', '0',
    '--media.first-port', '0',
    '--media.workers', '1',
    '--control.tls=true',
    '--data.directory', dataDir,
    '--web.root', path.join(env.sourceDir, 'web'),
    '--log.level', process.env.SIGHTLINE_LOG_LEVEL ?? 'info',
    ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  relay.stdout.pipe(log);
  const events = [];
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not start listening in time')), START_TIMEOUT_MS);
    // 'close' comes after the last stderr line, so the log contains the reason.
    relay.on('close', (code) => reject(new Error(`the relay exited with status ${code}; see ${logName}`)));
    createInterface({ input: relay.stderr }).on('line', (line) => {
      log.write(`${line}\n`);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      events.push(entry);
      if (entry.event === 'listening' && entry.component === 'control') {
        clearTimeout(timer);
        resolve(entry.port);
      }
    });
  });
  const stop = async () => {
    relay.kill('SIGTERM');
    await new Promise((resolve) => {
      if (relay.exitCode !== null || relay.signalCode !== null) resolve();
      else relay.on('exit', resolve);
    });
    log.end();
  };
  return { relay, ready, events, log, stop };
}

// Launches Chromium; with `video`, its fake camera plays that Y4M file and
// its fake microphone a tone. Console lines and failed responses are kept for
// the failure report. `executablePath` replaces the Chromium binary (a
// wrapper that runs it in a network namespace, for example) and `extraArgs`
// are added to its command line.
export async function openBrowser({ name, video, viewport = { width: 1000, height: 720 }, timezoneId,
  executablePath = CHROMIUM, extraArgs = [] }) {
  const args = ['--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required', ...extraArgs];
  if (video) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`);
  }
  // Chromium's sandbox cannot start as root (CI runs as root).
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath, headless: true, args });
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors: true, locale: 'en-GB', timezoneId });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) consoleLines.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { name, browser, context, page, consoleLines };
}

// Prints each browser's console and saves a screenshot of it, after a failure.
export async function reportFailure(sides, prefix) {
  for (const side of sides) {
    console.error(`--- ${side.name} console ---\n${side.consoleLines.join('\n')}`);
    await side.page.screenshot({ path: path.join(env.artifactDir, `${prefix}-${side.name}-failure.png`) }).catch(() => {});
  }
}

// Copies artifacts of a failed attempt beside themselves with a -failure
// suffix (simulcast-relay.log to simulcast-relay-failure.log), so that the
// suite's retry of the test does not overwrite them. Missing files are skipped.
export function keepFailureArtifacts(names) {
  for (const name of names) {
    const source = path.join(env.artifactDir, name);
    if (!existsSync(source)) continue;
    const extension = path.extname(name);
    copyFileSync(source, path.join(env.artifactDir, `${name.slice(0, name.length - extension.length)}-failure${extension}`));
  }
}

// Runs a command and returns its standard output. Throws with the command
// line and its standard error when it cannot start or exits non-zero.
export function runCommand(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command} ${args.join(' ')} failed to start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

// A network namespace joined to the host by a veth pair on a /30 network.
// The host end has `hostAddress`, where the relay listens, and the
// namespace end has `peerAddress`. `prefix` (at most 6 characters) and
// `secondOctet` keep tests apart, and the process id keeps runs apart.
// Needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN.
export class VethNamespace {
  constructor(prefix, secondOctet) {
    const suffix = String(process.pid % 100000);
    const subnet = 100 + (process.pid % 150);
    this.name = `${prefix}${suffix}`;
    this.hostInterface = `${prefix}${suffix}h`;
    this.namespaceInterface = `${prefix}${suffix}n`;
    this.hostAddress = `10.${secondOctet}.${subnet}.1`;
    this.peerAddress = `10.${secondOctet}.${subnet}.2`;
  }

  // Runs a command inside the namespace and returns its standard output.
  exec(...args) {
    return runCommand('ip', ['netns', 'exec', this.name, ...args]);
  }

  // Creates the namespace and the veth pair, removing leftovers of an
  // earlier run with the same names first.
  create() {
    this.delete();
    runCommand('ip', ['netns', 'add', this.name]);
    runCommand('ip', ['link', 'add', this.hostInterface, 'type', 'veth', 'peer', 'name', this.namespaceInterface]);
    runCommand('ip', ['link', 'set', this.namespaceInterface, 'netns', this.name]);
    // No IPv6 link-local addresses: their duplicate address detection ends
    // a second or two after the link comes up, and Chromium takes that
    // address change for a network change and fails the page loads in
    // flight with ERR_NETWORK_CHANGED.
    runCommand('ip', ['link', 'set', this.hostInterface, 'addrgenmode', 'none']);
    this.exec('ip', 'link', 'set', this.namespaceInterface, 'addrgenmode', 'none');
    runCommand('ip', ['addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostInterface]);
    runCommand('ip', ['link', 'set', this.hostInterface, 'up']);
    this.exec('ip', 'addr', 'add', `${this.peerAddress}/30`, 'dev', this.namespaceInterface);
    this.exec('ip', 'link', 'set', this.namespaceInterface, 'up');
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  delete() {
    // Deleting the namespace deletes its end of the veth pair and with it the host end.
    spawnSync('ip', ['netns', 'delete', this.name]);
    spawnSync('ip', ['link', 'delete', this.hostInterface]);
  }

  // Writes a script into `directory` that runs Chromium in the namespace,
  // for openBrowser's executablePath, and returns its path. Playwright
  // talks to Chromium over inherited pipes, which `ip netns exec` keeps.
  writeChromiumWrapper(directory) {
    const wrapper = path.join(directory, 'chromium-in-namespace.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${this.name} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  }
}
