// A call through the relay in real Chromium with UDP to the relay blocked:
// both pages must reach the relay over ICE-TCP (the passive TCP candidate of
// RFC 6544 in the answer) and decode video continuously.
//
// The block is real: the test runs the relay and both browsers in a network
// namespace of its own (unshare --net), where policy routing sends every UDP
// datagram to or from the relay's media port into a blackhole, so the
// kernel refuses to send them. TCP and the control connection are not
// touched. Creating the namespace needs root (or CAP_SYS_ADMIN and
// CAP_NET_ADMIN); without it the test fails, it never passes silently.
//
// Environment (set by ctest): SIGHTLINE_BINARY, SIGHTLINE_SOURCE_DIR,
// SIGHTLINE_SHARED_DIR, SIGHTLINE_ARTIFACT_DIR. Run tests/browser/setup.sh first.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.SIGHTLINE_CHROMIUM ?? '/usr/bin/chromium';
// Fixed ports are safe: the namespace has its own, empty, port space.
const CONTROL_PORT = 8443;
const MEDIA_PORT = 40000;
const MEASURE_MS = 10_000;
const SAMPLE_INTERVAL_MS = 250;
const MAX_STALL_MS = 1000;
const START_TIMEOUT_MS = 20_000;
const FIRST_FRAME_TIMEOUT_MS = 45_000;
const CALL_ID = 'browser-call-tcp';
const NAMESPACE_MARK = 'SIGHTLINE_TCP_TEST_NETNS';

// Builds the namespace: loopback up, and UDP to or from the media port
// blackholed. The local routing table normally sits at priority 0, before
// any rule one can add, so it moves behind the blocking rules. A veth pair
// that also carries 127.0.0.1 gives Chromium an interface that is not
// flagged as loopback to gather host candidates on (as bench/janus/netns.sh
// does for Janus).
const NAMESPACE_SETUP = `
set -euo pipefail
ip link set lo up
ip link add slveth type veth peer name slveth-peer
ip addr add 127.0.0.1/32 dev slveth
ip link set slveth up
ip link set slveth-peer up
ip rule add pref 100 lookup local
ip rule del pref 0
ip rule add pref 10 ipproto udp dport ${MEDIA_PORT} blackhole
ip rule add pref 11 ipproto udp sport ${MEDIA_PORT} blackhole
exec "$@"`;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; run this test with ctest -L browser`);
  return value;
}

// Runs this same file again inside a new network namespace and exits with its status.
function reenterInNamespace() {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync('unshare', ['--net', '--', 'bash', '-c', NAMESPACE_SETUP, 'call_tcp', process.execPath, self], {
    stdio: 'inherit',
    env: { ...process.env, [NAMESPACE_MARK]: '1' },
  });
  if (result.error) {
    console.error(`could not run unshare to create the test's network namespace: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`the ICE-TCP browser test failed (status ${result.status}); see the lines above. If unshare or ip ` +
      'failed there, the test needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) for its network namespace.');
    process.exit(1);
  }
  process.exit(0);
}

// Proves the block is in force before any browser starts: a UDP datagram to
// the media port must be refused by the kernel.
async function assertUdpBlocked() {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket('udp4');
  try {
    const error = await new Promise((resolve) => {
      socket.send(Buffer.from('probe'), MEDIA_PORT, '127.0.0.1', (sendError) => resolve(sendError));
    });
    assert.ok(error, `UDP to 127.0.0.1:${MEDIA_PORT} was sent; the namespace's block is not in force`);
  } finally {
    socket.close();
  }
}

const clips = {
  caller: 'testdata/video/talking_foreman_cif_15fps_4.3s.y4m',
  terminal: 'testdata/video/talking_carphone_qcif_15fps_10s.y4m',
};

function startRelay(binary, sourceDir, artifactDir, dataDir) {
  const log = createWriteStream(path.join(artifactDir, 'relay-tcp.log'));
  const relay = spawn(binary, [
    'serve',
    '--control.port', String(CONTROL_PORT),
    '--media.first-port', String(MEDIA_PORT),
    '--media.workers', '1',
    '--media.tcp=true',
    '--control.tls=true',
    '--admission.require-token=false',
    '--calls.id-check=false',
    '--analysis.enabled=false',
    '--data.directory', dataDir,
    '--web.root', path.join(sourceDir, 'web'),
    '--log.level', 'info',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  relay.stdout.pipe(log);
  const events = [];
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not start listening in time')), START_TIMEOUT_MS);
    relay.on('close', (code) => reject(new Error(`the relay exited with status ${code}; see relay-tcp.log`)));
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
  return { relay, ready, events, log };
}

async function openPage(role, clip, port, viewport) {
  const args = [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`,
    '--ignore-certificate-errors',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  const query = new URLSearchParams({ call: CALL_ID, participant: `${role}-1`, role, lang: 'en' });
  await page.goto(`https://127.0.0.1:${port}/call/?${query}`);
  return { role, browser, page, consoleLines };
}

// Frames decoded, and the protocols of the selected candidate pair.
async function sample(side) {
  return side.page.evaluate(async () => {
    const pc = window.sightlineCall.peerConnection;
    const result = { framesDecoded: 0, state: window.sightlineCall.state, local: null, remote: null };
    if (!pc) return result;
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') result.framesDecoded += report.framesDecoded ?? 0;
      if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
    });
    const pair = pairId ? stats.get(pairId) : null;
    if (pair) {
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      result.local = local ? { protocol: local.protocol, candidateType: local.candidateType, tcpType: local.tcpType ?? null } : null;
      result.remote = remote ? { protocol: remote.protocol, candidateType: remote.candidateType, port: remote.port } : null;
    }
    return result;
  });
}

async function waitForFirstFrames(sides) {
  const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    const samples = await Promise.all(sides.map(sample));
    if (samples.every((entry) => entry.framesDecoded > 0)) return;
    if (Date.now() > deadline) {
      throw new Error(`no video decoded within ${FIRST_FRAME_TIMEOUT_MS} ms: ${JSON.stringify(samples)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
  }
}

async function measure(sides) {
  const first = await Promise.all(sides.map(sample));
  const tracks = sides.map((side, i) => ({
    role: side.role, first: first[i], last: first[i], lastIncreaseMs: Date.now(), longestStallMs: 0, pairs: new Set(),
  }));
  const end = Date.now() + MEASURE_MS;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    const samples = await Promise.all(sides.map(sample));
    const now = Date.now();
    samples.forEach((entry, i) => {
      const track = tracks[i];
      if (entry.framesDecoded > track.last.framesDecoded) track.lastIncreaseMs = now;
      track.longestStallMs = Math.max(track.longestStallMs, now - track.lastIncreaseMs);
      track.pairs.add(`${entry.local?.protocol}->${entry.remote?.protocol}`);
      track.last = entry;
    });
  }
  return tracks.map((track) => ({
    role: track.role,
    framesDecoded: track.last.framesDecoded - track.first.framesDecoded,
    longestVideoStallMs: track.longestStallMs,
    selectedPairProtocols: [...track.pairs],
    local: track.last.local,
    remote: track.last.remote,
    state: track.last.state,
  }));
}

async function main() {
  const binary = requireEnv('SIGHTLINE_BINARY');
  const sourceDir = requireEnv('SIGHTLINE_SOURCE_DIR');
  const sharedDir = requireEnv('SIGHTLINE_SHARED_DIR');
  const artifactDir = requireEnv('SIGHTLINE_ARTIFACT_DIR');
  const clipPaths = Object.fromEntries(Object.entries(clips).map(([role, clip]) => [role, path.join(sharedDir, clip)]));
  for (const clip of Object.values(clipPaths)) assert.ok(existsSync(clip), `test clip missing: ${clip}`);
  mkdirSync(artifactDir, { recursive: true });
  await assertUdpBlocked();

  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-browser-tcp-'));
  const { relay, ready, log } = startRelay(binary, sourceDir, artifactDir, dataDir);
  const sides = [];
  try {
    const port = await ready;
    sides.push(await openPage('caller', clipPaths.caller, port, { width: 1280, height: 800 }));
    sides.push(await openPage('terminal', clipPaths.terminal, port, { width: 800, height: 1280 }));
    await waitForFirstFrames(sides);

    const results = await measure(sides);
    for (const side of sides) {
      await side.page.screenshot({ path: path.join(artifactDir, `call-tcp-${side.role}.png`) });
    }
    const summary = { measuredMs: MEASURE_MS, sampleIntervalMs: SAMPLE_INTERVAL_MS, blockedUdpPort: MEDIA_PORT, sides: results };
    writeFileSync(path.join(artifactDir, 'call-tcp-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify(summary));

    for (const result of results) {
      // Chromium connects actively to the relay's passive candidate.
      assert.equal(result.remote?.protocol, 'tcp', `${result.role}: the selected pair's remote candidate is not TCP`);
      assert.equal(result.local?.protocol, 'tcp', `${result.role}: the selected pair's local candidate is not TCP`);
      assert.deepEqual(result.selectedPairProtocols, ['tcp->tcp'],
        `${result.role}: the selected pair was not TCP throughout the measurement`);
      assert.ok(result.framesDecoded > 0, `${result.role}: no video frames decoded during the measurement`);
      assert.ok(result.longestVideoStallMs <= MAX_STALL_MS,
        `${result.role}: video froze for ${result.longestVideoStallMs} ms (limit ${MAX_STALL_MS} ms)`);
      assert.equal(result.state, 'live', `${result.role}: the page shows state ${result.state}, expected live`);
    }
  } catch (error) {
    for (const side of sides) {
      console.error(`--- ${side.role} console ---\n${side.consoleLines.join('\n')}`);
      await side.page.screenshot({ path: path.join(artifactDir, `call-tcp-${side.role}-failure.png`) }).catch(() => {});
    }
    throw error;
  } finally {
    for (const side of sides) await side.browser.close().catch(() => {});
    relay.kill('SIGTERM');
    await new Promise((resolve) => {
      if (relay.exitCode !== null) resolve();
      else relay.on('exit', resolve);
    });
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (!process.env[NAMESPACE_MARK]) {
  reenterInNamespace();
} else {
  main().then(() => {
    console.log('browser ICE-TCP call test passed');
  }, (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
