// ICE restart end-to-end in real Chromium: a caller and a terminal in a
// call, then the caller's network path to the relay's media port breaks
// long enough for its page to restart ICE, and is restored. The caller's
// page must show that it is reconnecting, send an offer with a new ICE
// ufrag, and stay the same participant. So the relay logs no leave or
// second join, and the terminal's page never shows the call ending or the
// other party leaving. Both sides must then decode video again.
//
// The caller's browser runs in a network namespace joined to the host by a
// veth pair. The break is traffic control on both ends of the pair: every
// packet to or from the relay's media port, UDP and TCP, goes to an HTB
// class of 8 bit/s with a one-packet queue, so nothing of ICE, DTLS or SRTP
// passes, over UDP or ICE-TCP, and the browser gets no error from its
// sockets, as on a real outage. (The kernels this runs on may lack tc's
// drop action, which would be the direct way.) The signalling WebSocket (the control port) is not touched, as
// when a radio link drops media for a while but the page's TCP connection
// survives.
//
// A second break lasts longer than ICE consent (30 s): the relay drops the
// caller's transport and sends its page transport-failed; the page must
// connect anew, again as the same participant.
//
// Needs root for `ip netns` and `tc` (Debian package iproute2).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { env, openBrowser, reportFailure, runCommand, sleep, startServe, VethNamespace } from './harness.mjs';

const CALL_ID = 'ice-restart-call';
const CALLER = 'caller-1';
const SAMPLE_INTERVAL_MS = 250;
const FIRST_FRAME_TIMEOUT_MS = 45_000;
// The page restarts ICE when the connection fails or stays disconnected for
// 4 s. In runs of this test the restart offer came 9 to 10 s after the break.
const RESTART_TIMEOUT_MS = 20_000;
// Kept broken this long after the restart offer, so that the checks with
// the new credentials fail at first and must be retried.
const BROKEN_AFTER_RESTART_MS = 1500;
// From the path's restoration to video decoded again on both sides.
const RECOVERY_LIMIT_MS = 15_000;
// Frames each side must decode after the restoration: one second of video
// at the clips' 15 frames per second.
const FRAMES_AFTER_RECOVERY = 15;
// The second break outlasts ICE consent (30 s), so the relay drops the
// caller's transport with its DTLS association and the page must start a
// new connection.
const LONG_OUTAGE_MS = 38_000;
// From the restoration after the long break to video on both sides: the new
// connection may first have to restart ICE, as its checks failed meanwhile.
const LONG_RECOVERY_LIMIT_MS = 30_000;

const network = new VethNamespace('sltice', 214);

// Starves the packets that `device` sends with the media port as `direction`
// ('dport' or 'sport'). The u32 port match reads the transport header after
// a 20-byte IPv4 header, which covers UDP and TCP alike.
function starve(runTc, device, direction, mediaPort) {
  runTc('qdisc', 'add', 'dev', device, 'root', 'handle', '1:', 'htb', 'default', '10');
  runTc('class', 'add', 'dev', device, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
  runTc('class', 'add', 'dev', device, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '8bit', 'ceil', '8bit',
    'burst', '1', 'cburst', '1');
  runTc('qdisc', 'add', 'dev', device, 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '1');
  runTc('filter', 'add', 'dev', device, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
    'match', 'ip', direction, String(mediaPort), '0xffff', 'flowid', '1:20');
}

const tcInNamespace = (...args) => network.exec('tc', ...args);
const tcOnHost = (...args) => runCommand('tc', args);

// The caller's packets to the media port leave by the namespace's end of
// the veth pair, the relay's packets to the caller by the host's end.
function breakMediaPath(mediaPort) {
  starve(tcInNamespace, network.namespaceInterface, 'dport', mediaPort);
  starve(tcOnHost, network.hostInterface, 'sport', mediaPort);
}

function restoreMediaPath() {
  tcInNamespace('qdisc', 'del', 'dev', network.namespaceInterface, 'root');
  tcOnHost('qdisc', 'del', 'dev', network.hostInterface, 'root');
}

// The relay's media port, from its log line for the media worker.
function mediaPortOf(events) {
  const started = events.find((entry) => entry.component === 'media' && entry.event === 'worker started');
  assert.ok(started, 'the relay logged no started media worker');
  const port = Number(String(started.address).split(':').pop());
  assert.ok(port > 0, `no media port in the relay's log line: ${JSON.stringify(started)}`);
  const tcpPort = Number(String(started.tcp_address ?? '').split(':').pop());
  // The block covers TCP on the same port, where ICE-TCP listens by default.
  assert.ok(!started.tcp_address || tcpPort === port,
    `ICE-TCP listens on port ${tcpPort}, not the UDP port ${port}; the test blocks only ${port}`);
  return port;
}

// Frames decoded, the page's state, the connection state and the page's own
// ICE ufrag from its current local description.
async function sample(side) {
  return side.page.evaluate(async () => {
    const call = window.sightlineCall;
    const pc = call.peerConnection;
    const result = { framesDecoded: 0, state: call.state, connectionState: null, ufrag: null };
    if (!pc) return result;
    result.connectionState = pc.connectionState;
    result.ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? null;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') result.framesDecoded += report.framesDecoded ?? 0;
    });
    return result;
  });
}

// Samples both pages every 250 ms and keeps every state each page showed.
class Watch {
  constructor(sides) {
    this.sides = sides;
    this.states = sides.map(() => []);
    this.connectionStates = sides.map(() => []);
    this.last = null;
  }

  async poll() {
    const samples = await Promise.all(this.sides.map(sample));
    samples.forEach((entry, i) => {
      if (this.states[i].at(-1) !== entry.state) this.states[i].push(entry.state);
      if (this.connectionStates[i].at(-1) !== entry.connectionState) this.connectionStates[i].push(entry.connectionState);
    });
    this.last = samples;
    return samples;
  }

  // Polls until `done(samples)` or the timeout; returns the elapsed time, or null.
  async until(done, timeoutMs) {
    const start = Date.now();
    while (Date.now() - start <= timeoutMs) {
      if (done(await this.poll())) return Date.now() - start;
      await sleep(SAMPLE_INTERVAL_MS);
    }
    return null;
  }
}

function countEvents(events, component, event, participant) {
  return events.filter((entry) => entry.component === component && entry.event === event &&
    (participant === undefined || entry.participant === participant)).length;
}

async function main() {
  assert.equal(process.getuid?.(), 0, 'this test needs root for ip netns and tc');
  const clips = {
    caller: path.join(env.sharedDir, 'testdata/video/talking_foreman_cif_15fps_4.3s.y4m'),
    terminal: path.join(env.sharedDir, 'testdata/video/talking_carphone_qcif_15fps_10s.y4m'),
  };
  for (const clip of Object.values(clips)) assert.ok(existsSync(clip), `test clip missing: ${clip}`);
  const workDir = mkdtempSync(path.join(tmpdir(), 'sightline-ice-restart-'));
  const wrapper = network.writeChromiumWrapper(workDir);
  network.create();
  const serve = startServe({
    dataDir: workDir,
    logName: 'ice-restart-relay.log',
    args: [
      '--control.bind-address', network.hostAddress,
      '--media.bind-address', network.hostAddress,
      '--admission.require-token=false',
      '--calls.id-check=false',
      '--analysis.enabled=false',
    ],
  });
  const sides = [];
  try {
    const port = await serve.ready;
    const mediaPort = mediaPortOf(serve.events);
    const url = (role) => {
      const query = new URLSearchParams({ call: CALL_ID, participant: `${role}-1`, role, lang: 'en' });
      return `https://${network.hostAddress}:${port}/call/?${query}`;
    };
    const caller = await openBrowser({ name: 'caller', video: clips.caller, executablePath: wrapper });
    sides.push(caller);
    const terminal = await openBrowser({ name: 'terminal', video: clips.terminal });
    sides.push(terminal);
    await caller.page.goto(url('caller'));
    await terminal.page.goto(url('terminal'));

    const watch = new Watch(sides);
    const liveMs = await watch.until((samples) => samples.every((entry) => entry.framesDecoded > 0 &&
      entry.state === 'live'), FIRST_FRAME_TIMEOUT_MS);
    assert.notEqual(liveMs, null, `the call did not go live within ${FIRST_FRAME_TIMEOUT_MS} ms: ` +
      JSON.stringify(watch.last));
    const firstUfrag = watch.last[0].ufrag;
    assert.ok(firstUfrag, 'the caller page has no ICE ufrag in its local description');
    // From here on, the terminal's page must not leave the live state.
    watch.states[1] = ['live'];

    breakMediaPath(mediaPort);
    const brokenAt = Date.now();
    const restartMs = await watch.until(([callerSample]) => callerSample.ufrag && callerSample.ufrag !== firstUfrag,
      RESTART_TIMEOUT_MS);
    assert.notEqual(restartMs, null, `the caller page sent no ICE restart within ${RESTART_TIMEOUT_MS} ms of the ` +
      `break; its connection states: ${JSON.stringify(watch.connectionStates[0])}`);
    await watch.until(() => false, BROKEN_AFTER_RESTART_MS);

    restoreMediaPath();
    const brokenMs = Date.now() - brokenAt;
    const framesAtRestore = watch.last.map((entry) => entry.framesDecoded);
    const recoveryMs = await watch.until((samples) => samples.every((entry, i) =>
      entry.framesDecoded >= framesAtRestore[i] + FRAMES_AFTER_RECOVERY) &&
      samples[0].state === 'live' && samples[0].connectionState === 'connected', RECOVERY_LIMIT_MS);
    for (const side of sides) {
      await side.page.screenshot({ path: path.join(env.artifactDir, `ice-restart-${side.name}.png`) });
    }

    const events = serve.events;
    const summary = {
      liveMs, restartMs, brokenMs, recoveryMs,
      firstUfrag, lastUfrag: watch.last[0].ufrag,
      callerStates: watch.states[0], terminalStates: watch.states[1],
      callerConnectionStates: watch.connectionStates[0], terminalConnectionStates: watch.connectionStates[1],
      framesAtRestore, framesAtEnd: watch.last.map((entry) => entry.framesDecoded),
      relay: {
        iceRestarts: countEvents(events, 'ice', 'ice_restart'),
        transportsKept: countEvents(events, 'call', 'transport kept for new offer', CALLER),
        callerJoins: countEvents(events, 'signalling', 'joined', CALLER),
        leaves: countEvents(events, 'signalling', 'left'),
        participantsRemoved: countEvents(events, 'call', 'participant removed'),
        transportsFailed: countEvents(events, 'call', 'participant transport failed'),
      },
    };
    writeFileSync(path.join(env.artifactDir, 'ice-restart-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify(summary));

    assert.notEqual(recoveryMs, null, `video did not resume on both sides within ${RECOVERY_LIMIT_MS} ms of ` +
      `restoring the path: ${JSON.stringify(watch.last)}`);
    assert.ok(summary.callerStates.includes('reconnectingMedia'),
      `the caller page never showed that it was reconnecting; its states: ${JSON.stringify(summary.callerStates)}`);
    assert.notEqual(summary.lastUfrag, firstUfrag, 'the caller page ended with its first ICE ufrag');
    assert.ok(summary.relay.iceRestarts >= 1, 'the relay logged no ICE restart');
    assert.ok(summary.relay.transportsKept >= 1, 'the relay did not keep the caller\'s transport for the new offer');
    assert.equal(summary.relay.callerJoins, 1, 'the caller joined the call more than once');
    assert.equal(summary.relay.leaves, 0, 'a participant left the call');
    assert.equal(summary.relay.participantsRemoved, 0, 'the relay removed a participant');
    assert.deepEqual(summary.terminalStates, ['live'],
      'the terminal page left the live state while the caller reconnected');

    // The long outage.
    watch.states[0] = [watch.last[0].state];
    breakMediaPath(mediaPort);
    await watch.until(() => false, LONG_OUTAGE_MS);
    restoreMediaPath();
    const framesAtLongRestore = watch.last.map((entry) => entry.framesDecoded);
    const longRecoveryMs = await watch.until((samples) => samples.every((entry, i) =>
      entry.framesDecoded >= framesAtLongRestore[i] + FRAMES_AFTER_RECOVERY) &&
      samples[0].state === 'live' && samples[0].connectionState === 'connected', LONG_RECOVERY_LIMIT_MS);
    for (const side of sides) {
      await side.page.screenshot({ path: path.join(env.artifactDir, `ice-restart-long-${side.name}.png`) });
    }
    const longSummary = {
      outageMs: LONG_OUTAGE_MS, longRecoveryMs,
      callerStates: watch.states[0], terminalStates: watch.states[1],
      callerConnectionStates: watch.connectionStates[0],
      framesAtRestore: framesAtLongRestore, framesAtEnd: watch.last.map((entry) => entry.framesDecoded),
      relay: {
        transportsFailed: countEvents(serve.events, 'call', 'participant transport failed', CALLER),
        callerJoins: countEvents(serve.events, 'signalling', 'joined', CALLER),
        leaves: countEvents(serve.events, 'signalling', 'left'),
        participantsRemoved: countEvents(serve.events, 'call', 'participant removed'),
      },
    };
    writeFileSync(path.join(env.artifactDir, 'ice-restart-long-summary.json'),
      `${JSON.stringify(longSummary, null, 2)}\n`);
    console.log(JSON.stringify(longSummary));
    assert.ok(longSummary.relay.transportsFailed >= 1,
      'the relay did not drop the caller\'s transport during a break longer than ICE consent');
    assert.notEqual(longRecoveryMs, null, `video did not resume on both sides within ${LONG_RECOVERY_LIMIT_MS} ms ` +
      `of restoring the path after ${LONG_OUTAGE_MS} ms: ${JSON.stringify(watch.last)}`);
    assert.ok(longSummary.callerStates.includes('reconnectingMedia'),
      `the caller page did not show that it was reconnecting: ${JSON.stringify(longSummary.callerStates)}`);
    assert.equal(longSummary.relay.callerJoins, 1, 'the caller joined the call more than once');
    assert.equal(longSummary.relay.leaves, 0, 'a participant left the call');
    assert.equal(longSummary.relay.participantsRemoved, 0, 'the relay removed a participant');
  } catch (error) {
    await reportFailure(sides, 'ice-restart');
    throw error;
  } finally {
    for (const side of sides) await side.browser.close().catch(() => {});
    await serve.stop();
    network.delete();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
