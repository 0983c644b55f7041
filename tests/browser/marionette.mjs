// A small client for Firefox's Marionette remote protocol, and a launcher
// for a headless Debian firefox-esr with a throwaway profile. Playwright
// drives only its own patched Firefox builds, so the browser tests talk to
// the distribution's Firefox through Marionette directly.
//
// Wire format (Firefox 153 ESR, remote/marionette/packets.sys.mjs): each
// message is `<byte length>:<UTF-8 JSON>`. After connecting, the server sends
// one greeting object ({"applicationType": "gecko", "marionetteProtocol": 3}).
// A command is [0, id, "Name", parameters] and its response is
// [1, id, error, result], where error is null or {error, message, stacktrace}.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const FIREFOX = process.env.SIGHTLINE_FIREFOX ?? '/usr/bin/firefox-esr';
const CONNECT_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 10_000;

// Splits a byte stream into Marionette messages.
class MessageReader {
  constructor(onMessage) {
    this.buffer = Buffer.alloc(0);
    this.onMessage = onMessage;
  }

  push(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const header = this.buffer.subarray(0, colon).toString('ascii');
      if (!/^\d+$/.test(header)) throw new Error(`invalid Marionette message header ${JSON.stringify(header)}`);
      const length = Number(header);
      if (this.buffer.length < colon + 1 + length) return;
      const body = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.buffer = this.buffer.subarray(colon + 1 + length);
      this.onMessage(JSON.parse(body));
    }
  }
}

export class MarionetteError extends Error {
  constructor(command, error) {
    super(`${command} failed: ${error.error}: ${error.message}`);
    this.name = 'MarionetteError';
    this.code = error.error;
    this.remoteStack = error.stacktrace;
  }
}

export class MarionetteClient {
  constructor(socket, greeting) {
    this.socket = socket;
    this.greeting = greeting;
    this.nextId = 1;
    this.pending = new Map();
  }

  // Connects to Marionette on host:port and waits for the server's greeting.
  static connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      let client = null;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`Marionette on ${host}:${port} sent no greeting within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      const reader = new MessageReader((message) => {
        if (!client) {
          clearTimeout(timer);
          if (message.applicationType !== 'gecko' || message.marionetteProtocol !== 3) {
            socket.destroy();
            reject(new Error(`unexpected Marionette greeting ${JSON.stringify(message)}`));
            return;
          }
          client = new MarionetteClient(socket, message);
          resolve(client);
          return;
        }
        client.handleResponse(message);
      });
      socket.on('data', (chunk) => {
        try {
          reader.push(chunk);
        } catch (error) {
          socket.destroy(error);
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        if (!client) reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (!client) reject(new Error(`Marionette on ${host}:${port} closed the connection before its greeting`));
        else client.failPending(new Error('the Marionette connection closed'));
      });
    });
  }

  handleResponse(message) {
    if (!Array.isArray(message) || message[0] !== 1) return;
    const [, id, error, result] = message;
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (error) entry.reject(new MarionetteError(entry.name, error));
    else entry.resolve(result);
  }

  failPending(error) {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }

  // Sends one command and resolves with its result, or rejects with a MarionetteError.
  command(name, parameters = {}, timeoutMs = COMMAND_TIMEOUT_MS) {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, parameters]), 'utf8');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { name, resolve, reject, timer });
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body]));
    });
  }

  // Capabilities are the flat W3C capability names, e.g. {acceptInsecureCerts: true}.
  newSession(capabilities = {}) {
    return this.command('WebDriver:NewSession', capabilities);
  }

  navigate(url) {
    return this.command('WebDriver:Navigate', { url });
  }

  // Runs `script` as a function body in the page with `args`; a returned
  // promise is awaited, as in W3C Execute Script.
  async executeScript(script, args = []) {
    const result = await this.command('WebDriver:ExecuteScript', { script, args });
    return result.value;
  }

  // Runs `script` with a callback as its last argument and resolves with the value passed to it.
  async executeAsyncScript(script, args = []) {
    const result = await this.command('WebDriver:ExecuteAsyncScript', { script, args });
    return result.value;
  }

  // Returns a PNG of the viewport.
  async takeScreenshot() {
    const result = await this.command('WebDriver:TakeScreenshot', { full: false });
    return Buffer.from(result.value, 'base64');
  }

  setWindowRect(rect) {
    return this.command('WebDriver:SetWindowRect', rect);
  }

  deleteSession() {
    return this.command('WebDriver:DeleteSession');
  }

  // Asks Firefox to exit; the connection closes as it does.
  quit() {
    return this.command('Marionette:Quit', { flags: ['eForceQuit'] }).catch(() => {});
  }

  close() {
    this.socket.destroy();
  }
}

// Profile preferences for an unattended test browser. The first group keeps
// Firefox from contacting Mozilla's services (updates, telemetry, remote
// settings, Safe Browsing, add-on and codec plugin downloads, captive portal
// and connectivity probes, DNS over HTTPS), so that it reaches only the
// loopback server under test.
const QUIET_PREFERENCES = {
  'app.normandy.enabled': false,
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.search.update': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage': 'about:blank',
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.tabs.warnOnClose': false,
  'captivedetect.canonicalURL': '',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.update.enabled': false,
  'geo.provider.network.url': '',
  'identity.fxaccounts.enabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-manager.url': '',
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.predictor.enabled': false,
  'network.prefetch-next': false,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'services.settings.server': 'data:,',
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

// Fake camera and microphone without a permission prompt, loopback ICE
// candidates and autoplay of received media. The relay under test listens on
// 127.0.0.1, and Firefox pairs a loopback remote candidate only with a
// loopback local one, so Firefox must gather on lo. That takes
// media.peerconnection.ice.loopback and a granted camera and microphone
// permission. Without the permission, Firefox 153 gathers only on the
// interfaces of the default routes ("use only default local addresses" in
// its ICE log). media.navigator.permission.disabled skips the prompt but
// grants nothing, so the permission defaults are set to allow (1).
const MEDIA_PREFERENCES = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Page console messages go to standard output, which the launcher keeps.
  'devtools.console.stdout.content': true,
};

function userJs(preferences) {
  return Object.entries(preferences)
    .map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`)
    .join('');
}

async function waitForActivePort(profileDir, firefox, deadline) {
  const portFile = path.join(profileDir, 'MarionetteActivePort');
  while (Date.now() < deadline) {
    if (firefox.exitCode !== null || firefox.signalCode !== null) {
      throw new Error(`firefox-esr exited (status ${firefox.exitCode}, signal ${firefox.signalCode}) before Marionette listened`);
    }
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, 'utf8').trim();
      if (/^\d+$/.test(text)) return Number(text);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Marionette did not write ${portFile} within ${CONNECT_TIMEOUT_MS} ms`);
}

// Starts headless firefox-esr with a new profile and a Marionette session.
// Marionette listens on a free loopback port (marionette.port 0), which
// Firefox writes to <profile>/MarionetteActivePort. Firefox's output goes to
// <logPath>; `consoleLines` keeps the page's console messages.
// `acceptInsecureCerts` makes this session accept the relay's self-signed
// certificate, for pages and WebSockets alike.
export async function launchFirefox({ logPath, width = 1280, height = 800, preferences = {} }) {
  if (!existsSync(FIREFOX)) {
    throw new Error(`${FIREFOX} is missing: install Debian's firefox-esr package (scripts/setup.sh does) or set SIGHTLINE_FIREFOX`);
  }
  const profileDir = mkdtempSync(path.join(tmpdir(), 'sightline-firefox-'));
  writeFileSync(path.join(profileDir, 'user.js'),
    userJs({ ...QUIET_PREFERENCES, ...MEDIA_PREFERENCES, 'marionette.port': 0, ...preferences }));

  const firefox = spawn(FIREFOX, [
    '--headless', '--marionette', '--no-remote', '--profile', profileDir,
    '--width', String(width), '--height', String(height), 'about:blank',
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
  const log = createWriteStream(logPath);
  const consoleLines = [];
  for (const stream of [firefox.stdout, firefox.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.startsWith('console.')) consoleLines.push(line);
    });
  }
  const exited = new Promise((resolve) => firefox.on('exit', resolve));

  const stop = async (client) => {
    if (client) {
      await client.quit();
      client.close();
    }
    const timer = setTimeout(() => firefox.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    if (!client) firefox.kill('SIGTERM');
    if (firefox.exitCode === null && firefox.signalCode === null) await exited;
    clearTimeout(timer);
    log.end();
    rmSync(profileDir, { recursive: true, force: true });
  };

  let client = null;
  try {
    const port = await waitForActivePort(profileDir, firefox, Date.now() + CONNECT_TIMEOUT_MS);
    client = await MarionetteClient.connect(port);
    const session = await client.newSession({ acceptInsecureCerts: true, timeouts: { script: 30_000 } });
    return {
      firefox,
      client,
      capabilities: session.capabilities,
      consoleLines,
      stop: () => stop(client),
    };
  } catch (error) {
    await stop(client);
    throw error;
  }
}
