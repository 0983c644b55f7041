// End-to-end call through the relay with Debian's Firefox ESR as the caller
// and Chromium as the terminal. Firefox runs headless and is driven over
// Marionette on loopback (marionette.mjs). Its fake camera is Firefox's
// generated test pattern, not a clip, and its fake microphone a tone. The
// terminal's fake camera plays the QCIF carphone clip. getStats() on both
// pages checks that each side decodes video continuously for 20 seconds and
// receives audio, and screenshots of both pages go to the artifact directory.
// The call runs twice: with one plain video stream from Firefox
// (simulcast=0), then with the page's default, simulcast=1. Firefox then
// sends up to three layers from its 1280x720 fake camera, and the relay must
// place each SSRC on the layer its rid names.
//
// Environment (set by ctest): SIGHTLINE_BINARY, SIGHTLINE_SOURCE_DIR,
// SIGHTLINE_SHARED_DIR, SIGHTLINE_ARTIFACT_DIR; SIGHTLINE_FIREFOX overrides
// /usr/bin/firefox-esr. Run tests/browser/setup.sh first.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { env, openBrowser, reportFailure, sleep, startServe } from './harness.mjs';
import { launchFirefox } from './marionette.mjs';

const MEASURE_MS = 20_000;
const SAMPLE_INTERVAL_MS = 250;
const MAX_STALL_MS = 1000;
const FIRST_FRAME_TIMEOUT_MS = 45_000;
const TERMINAL_CLIP = path.join(env.sharedDir, 'testdata/video/talking_carphone_qcif_15fps_10s.y4m');
const TERMINAL_CLIP_WIDTH = 176;

// Inbound video frames decoded and audio packets received, from the page's
// RTCPeerConnection. Runs in the page, in either browser.
async function readInboundStats() {
  const call = window.sightlineCall;
  const pc = call.peerConnection;
  const result = { framesDecoded: 0, audioPacketsReceived: 0, frameWidth: 0, state: call.state };
  if (!pc) return result;
  const stats = await pc.getStats();
  stats.forEach((report) => {
    if (report.type !== 'inbound-rtp') return;
    if (report.kind === 'video') {
      result.framesDecoded += report.framesDecoded ?? 0;
      result.frameWidth = report.frameWidth ?? 0;
    } else if (report.kind === 'audio') {
      result.audioPacketsReceived += report.packetsReceived ?? 0;
    }
  });
  return result;
}

const STATS_SCRIPT = `return (${readInboundStats.toString()})();`;

// The caller page in Firefox, behind the same interface as a Chromium side.
function firefoxSide(firefox) {
  return {
    name: 'caller',
    sample: () => firefox.client.executeScript(STATS_SCRIPT),
    screenshot: async (file) => writeFileSync(file, await firefox.client.takeScreenshot()),
    consoleLines: firefox.consoleLines,
  };
}

function chromiumSide(browser) {
  return {
    name: 'terminal',
    sample: () => browser.page.evaluate(readInboundStats),
    screenshot: (file) => browser.page.screenshot({ path: file }),
    consoleLines: browser.consoleLines,
  };
}

function callUrl(port, callId, role, extra = {}) {
  const query = new URLSearchParams({ call: callId, participant: `${role}-1`, role, lang: 'en', ...extra });
  return `https://127.0.0.1:${port}/call/?${query}`;
}

// The relay's JSON log lines of one event.
function logEvents(logPath, event) {
  return readFileSync(logPath, 'utf8').split('\n').filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line)).filter((entry) => entry.event === event);
}

async function waitForFirstFrames(sides) {
  const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    const samples = await Promise.all(sides.map((side) => side.sample()));
    if (samples.every((entry) => entry.framesDecoded > 0)) return;
    if (Date.now() > deadline) {
      const described = sides.map((side, i) => `${side.name} ${JSON.stringify(samples[i])}`).join(', ');
      throw new Error(`no video decoded within ${FIRST_FRAME_TIMEOUT_MS} ms: ${described}`);
    }
    await sleep(SAMPLE_INTERVAL_MS);
  }
}

// Samples both sides every 250 ms for 20 s and records, per side, the
// maximum gap between increases of framesDecoded and of audio packets.
async function measure(sides) {
  const start = Date.now();
  const first = await Promise.all(sides.map((side) => side.sample()));
  const tracks = first.map((entry) => ({ first: entry, last: entry, videoAt: start, audioAt: start, maxVideoGapMs: 0, maxAudioGapMs: 0 }));
  const end = start + MEASURE_MS;
  while (Date.now() < end) {
    await sleep(SAMPLE_INTERVAL_MS);
    const samples = await Promise.all(sides.map((side) => side.sample()));
    const now = Date.now();
    samples.forEach((entry, i) => {
      const track = tracks[i];
      if (entry.framesDecoded > track.last.framesDecoded) track.videoAt = now;
      if (entry.audioPacketsReceived > track.last.audioPacketsReceived) track.audioAt = now;
      track.maxVideoGapMs = Math.max(track.maxVideoGapMs, now - track.videoAt);
      track.maxAudioGapMs = Math.max(track.maxAudioGapMs, now - track.audioAt);
      track.last = entry;
    });
  }
  return tracks.map((track, i) => ({
    side: sides[i].name,
    framesDecoded: track.last.framesDecoded - track.first.framesDecoded,
    maxVideoGapMs: track.maxVideoGapMs,
    audioPacketsReceived: track.last.audioPacketsReceived - track.first.audioPacketsReceived,
    maxAudioGapMs: track.maxAudioGapMs,
    frameWidth: track.last.frameWidth,
    state: track.last.state,
  }));
}

// Runs one call with Firefox as the caller. `name` goes into the call id and
// the artifact names, and `callerQuery` into the caller's link.
async function runCall(port, name, callerQuery) {
  const callId = `firefox-${name}`;
  let firefox = null;
  let terminal = null;
  const sides = [];
  try {
    firefox = await launchFirefox({ logPath: path.join(env.artifactDir, `firefox-${name}-caller.log`) });
    console.log(`Firefox ${firefox.capabilities.browserVersion} on ${firefox.capabilities.platformName}`);
    sides.push(firefoxSide(firefox));
    await firefox.client.navigate(callUrl(port, callId, 'caller', callerQuery));

    terminal = await openBrowser({ name: 'terminal', video: TERMINAL_CLIP, viewport: { width: 800, height: 1280 } });
    sides.push(chromiumSide(terminal));
    await terminal.page.goto(callUrl(port, callId, 'terminal'));

    await waitForFirstFrames(sides);
    const results = await measure(sides);
    for (const side of sides) await side.screenshot(path.join(env.artifactDir, `firefox-${name}-${side.name}.png`));

    const summary = { measuredMs: MEASURE_MS, sampleIntervalMs: SAMPLE_INTERVAL_MS, sides: results };
    writeFileSync(path.join(env.artifactDir, `firefox-${name}-summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify({ name, ...summary }));

    for (const result of results) {
      assert.ok(result.framesDecoded > 0, `${name}, ${result.side}: no video frames decoded during the measurement`);
      assert.ok(result.maxVideoGapMs <= MAX_STALL_MS,
        `${name}, ${result.side}: video froze for ${result.maxVideoGapMs} ms (limit ${MAX_STALL_MS} ms)`);
      assert.ok(result.audioPacketsReceived > 0, `${name}, ${result.side}: no audio packets received`);
      assert.ok(result.maxAudioGapMs <= MAX_STALL_MS,
        `${name}, ${result.side}: audio stopped for ${result.maxAudioGapMs} ms (limit ${MAX_STALL_MS} ms)`);
      assert.equal(result.state, 'live', `${name}, ${result.side}: the page shows state ${result.state}, expected live`);
    }
    // Firefox must show the terminal's QCIF clip, not its own test pattern.
    assert.ok(results[0].frameWidth > 0, `${name}: the caller reports no received frame width`);
    assert.ok(results[0].frameWidth <= TERMINAL_CLIP_WIDTH,
      `${name}: the caller should receive the terminal camera (${TERMINAL_CLIP_WIDTH} wide), got frames ${results[0].frameWidth} wide`);
    return callId;
  } catch (error) {
    if (firefox) {
      console.error(`--- caller (Firefox) console ---\n${firefox.consoleLines.join('\n')}`);
      await firefoxSide(firefox).screenshot(path.join(env.artifactDir, `firefox-${name}-caller-failure.png`)).catch(() => {});
    }
    if (terminal) await reportFailure([terminal], `firefox-${name}`);
    throw error;
  } finally {
    if (terminal) await terminal.browser.close().catch(() => {});
    if (firefox) await firefox.stop();
  }
}

async function main() {
  assert.ok(existsSync(TERMINAL_CLIP), `test clip missing: ${TERMINAL_CLIP}`);
  mkdirSync(env.artifactDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-firefox-call-'));
  const logName = 'firefox-relay.log';
  const serve = startServe({
    dataDir,
    logName,
    // The pages and the Firefox interop are under test here, not admission or analysis.
    args: ['--admission.require-token=false', '--calls.id-check=false', '--analysis.enabled=false'],
  });
  try {
    const port = await serve.ready;
    await runCall(port, 'call', { simulcast: '0' });
    const simulcastCall = await runCall(port, 'simulcast', { simulcast: '1' });

    // Each SSRC Firefox sent was placed on its own layer by its rid. Firefox
    // starts its top layer only once its own estimate allows, which on a
    // loaded machine can take longer than the call. So only the two lower
    // layers must have arrived.
    const layers = logEvents(path.join(env.artifactDir, logName), 'simulcast layer')
      .filter((entry) => entry.call === simulcastCall && entry.participant === 'caller-1')
      .map((entry) => entry.layer).sort();
    const placed = JSON.stringify(layers);
    assert.ok(layers.length >= 2, `the relay placed Firefox's simulcast SSRCs on layers ${placed}, expected at least 2`);
    assert.equal(new Set(layers).size, layers.length, `two of Firefox's SSRCs were placed on one layer: ${placed}`);
    assert.ok(layers.every((layer) => layer >= 0 && layer <= 2), `a layer outside the three offered: ${placed}`);
    assert.deepEqual(layers.slice(0, 2), [0, 1], `the lowest layers are missing: ${placed}`);
  } finally {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log('Firefox call test passed');
}, (error) => {
  console.error(error);
  process.exitCode = 1;
});
