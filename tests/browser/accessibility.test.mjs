// Accessibility of the pages people use, in real Chromium through
// `sightline serve`:
// - axe-core's WCAG 2.1 A and AA rules (names and labels, colour contrast,
//   landmarks, language, ARIA use). They run on the call page alone and in a
//   live call, in English and in Arabic on the terminal's kiosk layout, and
//   on the admin pages and the officer's console;
// - keyboard operation of the call page: every control in the tab order,
//   Space and Enter toggle mute and camera, and a visible focus indicator;
// - the kiosk layout on a 10-inch tablet (1280x800 both ways round): no
//   horizontal scrolling, every control on screen and at least 44 px square.
//
// Environment (set by ctest): SIGHTLINE_BINARY, SIGHTLINE_SOURCE_DIR,
// SIGHTLINE_SHARED_DIR, SIGHTLINE_ARTIFACT_DIR. Run tests/browser/setup.sh first.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { addUser, env, openBrowser, playwrightRequest, reportFailure, startServe } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// WCAG 2.1 success criterion 2.5.5 sets 44 by 44 CSS pixels. The kiosk is
// used by touch, often by people unused to the device.
const MIN_TOUCH_TARGET_PX = 44;
const CALL_ID = 'accessibility-call';
const CLIP = path.join(env.sharedDir, 'testdata/video/talking_foreman_cif_15fps_4.3s.y4m');
const ADMIN = { username: 'a11y.admin', password: 'accessible admin password 1' };
const MANAGER = { username: 'a11y.manager', password: 'accessible manager password 1' };

// Runs axe-core in the page and returns its violations, each reduced to the
// rule, its impact and the first few offending elements. page.evaluate runs
// through the DevTools protocol, so the page's Content-Security-Policy does
// not stop the injected script.
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 3).map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
    }));
  }, WCAG_TAGS);
  return violations;
}

async function assertAccessible(side, label, failures) {
  const violations = await axeViolations(side.page);
  await side.page.screenshot({ path: path.join(env.artifactDir, `accessibility-${label}.png`) });
  for (const violation of violations) {
    failures.push(`${label}: ${violation.rule} (${violation.impact}): ${violation.help}\n    ${violation.targets.join('\n    ')}`);
  }
  console.log(`${label}: ${violations.length} WCAG violations`);
}

async function openCallPage(name, role, port, viewport, language) {
  const side = await openBrowser({ name, video: CLIP, viewport });
  const query = new URLSearchParams({ call: CALL_ID, participant: `${role}-1`, role, lang: language });
  await side.page.goto(`https://127.0.0.1:${port}/call/?${query}`);
  return side;
}

async function waitForState(side, state) {
  await side.page.waitForFunction((expected) => window.sightlineCall?.state === expected, state, { timeout: 30_000 });
}

// Presses Tab until focus returns to an element it has seen, and returns the
// ids (or tag names) of the focused elements in order.
async function tabOrder(page) {
  await page.evaluate(() => document.activeElement?.blur());
  const order = [];
  for (let presses = 0; presses < 30; ++presses) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      return element && element !== document.body ? element.id || element.tagName.toLowerCase() : null;
    });
    if (focused === null || order.includes(focused)) break;
    order.push(focused);
  }
  return order;
}

async function focusByTab(page, id) {
  await page.evaluate(() => document.activeElement?.blur());
  for (let presses = 0; presses < 30; ++presses) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((wanted) => document.activeElement?.id === wanted, id)) return;
  }
  throw new Error(`#${id} cannot be reached with the Tab key`);
}

// The enabled state of the page's outgoing track of `kind`.
async function senderEnabled(page, kind) {
  return page.evaluate((trackKind) => {
    const sender = window.sightlineCall.peerConnection.getSenders().find((item) => item.track?.kind === trackKind);
    return sender ? sender.track.enabled : null;
  }, kind);
}

async function checkKeyboard(side, failures) {
  const { page } = side;
  const order = await tabOrder(page);
  console.log(`caller tab order: ${order.join(', ')}`);
  for (const id of ['mute', 'camera', 'leave']) {
    if (!order.includes(id)) failures.push(`keyboard: #${id} is not in the tab order (${order.join(', ')})`);
  }
  if (order.indexOf('mute') > order.indexOf('camera') || order.indexOf('camera') > order.indexOf('leave')) {
    failures.push(`keyboard: controls out of visual order: ${order.join(', ')}`);
  }

  await focusByTab(page, 'mute');
  const focusStyle = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), boxShadow: style.boxShadow };
  });
  const outlined = focusStyle.outlineStyle !== 'none' && focusStyle.outlineWidth >= 2;
  if (!outlined && focusStyle.boxShadow === 'none') {
    failures.push(`keyboard: the focused mute button has no visible focus indicator (${JSON.stringify(focusStyle)})`);
  }

  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true', 'Space on Mute did not press it');
  assert.equal(await senderEnabled(page, 'audio'), false, 'Space on Mute left the microphone track enabled');
  assert.ok(await page.locator('.local-muted').isVisible(), 'no visible sign that the microphone is off');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'false', 'Enter on Mute did not release it');
  assert.equal(await senderEnabled(page, 'audio'), true, 'releasing Mute left the microphone track disabled');

  await focusByTab(page, 'camera');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#camera', 'aria-pressed'), 'true', 'Enter on Camera off did not press it');
  assert.equal(await senderEnabled(page, 'video'), false, 'Camera off left the camera track enabled');
  assert.ok(await page.locator('.local-camera-off').isVisible(), 'no visible sign that the camera is off');
  await page.screenshot({ path: path.join(env.artifactDir, 'accessibility-caller-muted-camera-off.png') });
  await page.keyboard.press('Space');
  assert.equal(await senderEnabled(page, 'video'), true, 'turning the camera back on left its track disabled');
}

// The kiosk layout at one tablet viewport: the page fits the width, and each
// visible control lies on screen and is large enough to touch.
async function checkTabletLayout(side, viewport, label, failures) {
  await side.page.setViewportSize(viewport);
  await side.page.waitForTimeout(300);
  await side.page.screenshot({ path: path.join(env.artifactDir, `accessibility-${label}.png`) });
  const layout = await side.page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    controls: [...document.querySelectorAll('#controls button, #language')]
      .filter((element) => element.offsetParent !== null)
      .map((element) => {
        const box = element.getBoundingClientRect();
        return { id: element.id, left: box.left, top: box.top, right: box.right, bottom: box.bottom,
          width: box.width, height: box.height };
      }),
  }));
  if (layout.scrollWidth > layout.innerWidth) {
    failures.push(`${label}: the page scrolls sideways (${layout.scrollWidth} px wide in a ${layout.innerWidth} px viewport)`);
  }
  if (layout.controls.length < 3) failures.push(`${label}: only ${layout.controls.length} controls are visible`);
  for (const control of layout.controls) {
    if (control.width < MIN_TOUCH_TARGET_PX || control.height < MIN_TOUCH_TARGET_PX) {
      failures.push(`${label}: #${control.id} is ${control.width}x${control.height} px, under ${MIN_TOUCH_TARGET_PX} px`);
    }
    if (control.left < 0 || control.top < 0 || control.right > layout.innerWidth || control.bottom > layout.innerHeight) {
      failures.push(`${label}: #${control.id} is outside the ${layout.innerWidth}x${layout.innerHeight} viewport`);
    }
  }
}

async function createCentre(baseURL) {
  const api = await playwrightRequest.newContext({ baseURL, ignoreHTTPSErrors: true });
  const signedIn = await api.post('/api/session', { data: ADMIN });
  assert.equal(signedIn.status(), 200, `the admin could not sign in: ${await signedIn.text()}`);
  const windows = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  const created = await api.post('/api/centres', { data: { name: 'Harmondsworth', time_zone: 'Europe/London', windows } });
  assert.equal(created.status(), 201, `POST /api/centres: ${await created.text()}`);
  const centre = await created.json();
  await api.dispose();
  return centre.id;
}

async function checkStaffPages(baseURL, sides, failures) {
  const staff = await openBrowser({ name: 'staff' });
  sides.push(staff);
  const { page } = staff;
  await page.goto(`${baseURL}/admin/`);
  await page.locator('#username').waitFor();
  await assertAccessible(staff, 'admin-sign-in', failures);

  await page.fill('#username', MANAGER.username);
  await page.fill('#password', MANAGER.password);
  await Promise.all([page.waitForURL(/\/admin\/(?!index)/), page.click('#sign-in button[type=submit]')]);
  await page.locator('#who', { hasText: MANAGER.username }).waitFor();
  await page.waitForLoadState('networkidle');
  for (const file of ['people', 'booking', 'suspensions', 'incidents', 'audit']) {
    await page.goto(`${baseURL}/admin/${file}.html`);
    await page.locator('#who', { hasText: MANAGER.username }).waitFor();
    await page.waitForLoadState('networkidle');
    await assertAccessible(staff, `admin-${file}`, failures);
  }

  await page.goto(`${baseURL}/console/`);
  await page.locator('#console-area').waitFor();
  await page.waitForLoadState('networkidle');
  await assertAccessible(staff, 'console', failures);
}

async function main() {
  mkdirSync(env.artifactDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-accessibility-'));
  const store = `sqlite:${path.join(dataDir, 'sightline.db')}`;
  addUser(store, ADMIN, 'admin');
  const serve = startServe({
    dataDir,
    logName: 'accessibility-relay.log',
    args: ['--admission.require-token=false', '--calls.id-check=false', '--analysis.enabled=false'],
  });
  const sides = [];
  const failures = [];
  try {
    const port = await serve.ready;
    const baseURL = `https://127.0.0.1:${port}`;

    const caller = await openCallPage('caller', 'caller', port, { width: 1280, height: 800 }, 'en');
    sides.push(caller);
    await waitForState(caller, 'waiting');
    await assertAccessible(caller, 'call-caller-waiting-en', failures);

    const terminal = await openCallPage('terminal', 'terminal', port, { width: 1280, height: 800 }, 'ar');
    sides.push(terminal);
    await waitForState(caller, 'live');
    await waitForState(terminal, 'live');
    assert.equal(await terminal.page.getAttribute('html', 'dir'), 'rtl', 'the Arabic terminal page is not right-to-left');
    assert.equal(await terminal.page.getAttribute('html', 'lang'), 'ar', 'the Arabic terminal page does not declare lang="ar"');
    await assertAccessible(caller, 'call-caller-live-en', failures);
    await assertAccessible(terminal, 'call-terminal-live-ar', failures);

    await checkKeyboard(caller, failures);
    await checkTabletLayout(terminal, { width: 1280, height: 800 }, 'terminal-tablet-landscape', failures);
    await checkTabletLayout(terminal, { width: 800, height: 1280 }, 'terminal-tablet-portrait', failures);

    // The other party's last frame must not stay on screen once they left.
    await terminal.page.click('#leave');
    await waitForState(caller, 'otherLeft');
    assert.equal(await caller.page.locator('#remote-video').isVisible(), false,
      'the caller still shows the terminal\'s last frame after it left');
    // The page that left shows how long the call lasted, not the slot's time left.
    assert.equal(await terminal.page.locator('#remaining').isVisible(), false,
      'the terminal still shows the time left in the slot after leaving the call');
    assert.match(await terminal.page.locator('#elapsed').textContent(), /\S/);

    const centreId = await createCentre(baseURL);
    addUser(store, MANAGER, 'manager', centreId);
    await checkStaffPages(baseURL, sides, failures);

    assert.deepEqual(failures, [], `accessibility failures:\n${failures.join('\n')}`);
  } catch (error) {
    await reportFailure(sides, 'accessibility');
    throw error;
  } finally {
    for (const side of sides) await side.browser.close().catch(() => {});
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
