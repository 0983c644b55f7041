// The admin pages in real Chromium against `sightline serve`. An admin signs
// in to a service with no centre, lands on the Centres page and adds the
// centre there. An opening window ending 23:59 is rejected first, with a
// message that names 24:00. The admin's people page offers a centre chooser. Then a centre
// manager signs in and fills the forms as a user does: a detained individual
// and a caller, a compact, a risk assessment that approves the caller, and a
// call booked 24 hours ahead. The booking's terminal join link, opened now,
// must be refused as outside its slot, on the page and in the relay's log. When the wall clock allows it, an
// urgent booking of the next slot is joined from both links and must carry
// video both ways. A welfare check requested after the booking is listed and
// marked complete, and the audit log page lists its request, filtered by
// action and by call. Last, the manager suspends the person, an appeal is
// lodged, and the same manager is refused when deciding it.
//
// Environment (set by ctest): SIGHTLINE_BINARY, SIGHTLINE_SOURCE_DIR,
// SIGHTLINE_SHARED_DIR, SIGHTLINE_ARTIFACT_DIR. Run tests/browser/setup.sh first.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { addUser, env, openBrowser as launch, reportFailure, startServe } from './harness.mjs';

const STEP_TIMEOUT_MS = 10_000;
const FIRST_FRAME_TIMEOUT_MS = 45_000;
const DECODE_CHECK_MS = 3_000;
const TIME_ZONE = 'Europe/London';
// A join link opens this long before its slot starts (kJoinEarly in policy/join_token.h).
const JOIN_EARLY_MS = 10 * 60_000;
const SLOT_MS = 30 * 60_000;
// The urgent booking needs its slot to start after the request reaches the relay.
const MIN_LEAD_MS = 30_000;
const MANAGER = { username: 'manager-hmd', password: 'correct horse battery staple 7' };
const ADMIN = { username: 'admin', password: 'admin password for the browser test' };

const clips = {
  caller: path.join(env.sharedDir, 'testdata/video/talking_foreman_cif_15fps_4.3s.y4m'),
  terminal: path.join(env.sharedDir, 'testdata/video/talking_carphone_qcif_15fps_10s.y4m'),
};

const screenshot = (page, name) => page.screenshot({ path: path.join(env.artifactDir, `admin-${name}.png`), fullPage: true });

// A staff browser (no role) or a call page's browser whose fake camera plays the role's clip.
async function openBrowser(role, viewport) {
  const side = await launch({ name: role ?? 'admin', video: role ? clips[role] : undefined, viewport, timezoneId: TIME_ZONE });
  side.page.setDefaultTimeout(STEP_TIMEOUT_MS);
  return { ...side, role: role ?? 'admin' };
}

// The local wall-clock time of `date` in the centre's zone, as "2026-03-04T10:00".
function localSlot(date) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

// The navigation links shown to `role`, by their text.
async function navLinks(page) {
  return page.locator('header nav a:visible').allTextContents();
}

// Signs the admin in on the page. With no centre yet, the admin lands on the
// Centres page and adds one: open every day from 00:00 to 24:00, so that the
// next slot is always bookable. A window ending 23:59 is rejected first.
async function createCentre(page, baseURL) {
  await page.goto(`${baseURL}/admin/`);
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  await Promise.all([page.waitForURL(/\/admin\/centres\.html$/), page.click('#sign-in button[type=submit]')]);
  await page.locator('#who', { hasText: `${ADMIN.username} (admin)` }).waitFor();
  await page.locator('#centres-status', { hasText: 'There is no centre yet.' }).waitFor();
  assert.equal(await page.locator('#centres-table').isVisible(), false, 'an empty centre table is shown');
  const links = await navLinks(page);
  for (const text of ['Audit log', 'Centres', "Officer's console"]) assert.ok(links.includes(text), `admin nav: ${links.join(', ')}`);

  const form = page.locator('#add-centre');
  await form.locator('#name').fill('Harmondsworth');
  await form.locator('#time_zone').fill(TIME_ZONE);
  for (let weekday = 0; weekday < 7; weekday += 1) {
    await form.locator(`#start-${weekday}`).fill('00:00');
    await form.locator(`#end-${weekday}`).fill('23:59');
  }
  await form.locator('button[type=submit]').click();
  const windowsError = form.locator('#windows-error');
  await windowsError.waitFor({ state: 'visible' });
  assert.match(await windowsError.textContent(), /ends at 23:59.*ends at 24:00/);
  assert.equal(await page.locator('#centres tr').count(), 0, 'a centre was added with a window ending 23:59');
  await screenshot(page, 'centre-23-59');

  for (let weekday = 0; weekday < 7; weekday += 1) await form.locator(`#end-${weekday}`).fill('24:00');
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^Added centre \d+\.$/);
  const centreId = Number((await form.locator('.status').textContent()).match(/^Added centre (\d+)/)[1]);
  const row = page.locator('#centres tr', { hasText: 'Harmondsworth' });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`^${centreId}Harmondsworth${TIME_ZONE}Sunday 00:00-24:00; Monday`));
  await screenshot(page, 'centres');

  // The admin belongs to no centre, so the people page asks for one and
  // offers the only centre there is.
  await page.goto(`${baseURL}/admin/people.html`);
  const chooser = page.locator('#add-person #centre_id');
  await chooser.waitFor({ state: 'visible' });
  await page.locator('#add-person #centre_id option', { hasText: 'Harmondsworth' }).waitFor({ state: 'attached' });
  assert.equal(await chooser.inputValue(), String(centreId));
  await screenshot(page, 'people-admin');

  await Promise.all([page.waitForURL(/\/admin\/index\.html$/), page.click('#sign-out')]);
  return centreId;
}

async function expectStatus(form, pattern) {
  const status = form.locator('.status');
  await status.waitFor({ state: 'visible' });
  const text = await status.textContent();
  assert.match(text, pattern, `the form's status shows "${text}"`);
  assert.equal(await status.evaluate((element) => element.classList.contains('error')), false, `error status: ${text}`);
}

// Chooses the option of `select` whose label contains `text`, once it is loaded.
async function chooseOption(select, text) {
  const option = select.locator('option', { hasText: text });
  await option.waitFor({ state: 'attached' });
  await select.selectOption(await option.getAttribute('value'));
}

async function signIn(page, baseURL) {
  await page.goto(`${baseURL}/admin/`);
  await screenshot(page, 'sign-in');
  await page.fill('#username', MANAGER.username);
  await page.fill('#password', MANAGER.password);
  await Promise.all([page.waitForURL(/\/admin\/people\.html$/), page.click('#sign-in button[type=submit]')]);
  await page.locator('#who', { hasText: `${MANAGER.username} (manager)` }).waitFor();
  await page.locator('header nav a', { hasText: 'Audit log' }).waitFor();
  const links = await navLinks(page);
  assert.ok(links.includes("Officer's console"), `manager nav: ${links.join(', ')}`);
  assert.ok(!links.includes('Centres'), `manager nav: ${links.join(', ')}`);
  // A manager belongs to one centre, so the people page has no centre chooser.
  assert.equal(await page.locator('#centre-field').isVisible(), false, 'a manager is offered a centre chooser');
}

async function addPersonAndCaller(page) {
  const form = page.locator('#add-person');
  // A missing required field is shown next to that field, and nothing is sent.
  await form.locator('#centre_reference').fill('HMD-0412');
  await form.locator('#log_name').fill('A. Okafor');
  await form.locator('button[type=submit]').click();
  const fieldError = form.locator('#recorded_name-error');
  await fieldError.waitFor({ state: 'visible' });
  assert.ok((await fieldError.textContent()).length > 0, 'no message next to the missing recorded name');
  assert.equal(await form.locator('#recorded_name').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#people tr').count(), 0, 'a detained individual was added without a recorded name');
  await screenshot(page, 'people-missing-field');

  await form.locator('#recorded_name').fill('Adaeze Okafor');
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^Added detained individual \d+\.$/);
  await page.locator('#people tr', { hasText: 'HMD-0412' }).waitFor();
  assert.match(await page.locator('#people tr').first().textContent(), /HMD-0412.*Adaeze Okafor.*A\. Okafor/);

  const recipient = page.locator('#add-recipient');
  await chooseOption(recipient.locator('#person'), 'HMD-0412');
  await recipient.locator('#kind').selectOption('social');
  await recipient.locator('#full_name').fill('Chidi Okafor');
  await recipient.locator('#relationship').fill('brother');
  await recipient.locator('#contact').fill('chidi@example.org');
  await recipient.locator('button[type=submit]').click();
  await expectStatus(recipient, /^Added recipient \d+\./);
  await screenshot(page, 'people');
}

async function recordCompact(page, baseURL) {
  await page.goto(`${baseURL}/admin/compact.html`);
  const form = page.locator('#compact');
  await chooseOption(form.locator('#person'), 'HMD-0412');
  await form.locator('#signed_on').fill(localSlot(new Date()).slice(0, 10));
  await form.locator('#language').fill('Igbo');
  await form.locator('#interpreted').check();
  assert.equal(await form.locator('#witnessing_officer').inputValue(), MANAGER.username);
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^Compact recorded \(record \d+\)\.$/);
  await screenshot(page, 'compact');
}

async function recordRiskAssessment(page, baseURL) {
  await page.goto(`${baseURL}/admin/risk.html`);
  const form = page.locator('#risk');
  await chooseOption(form.locator('#person'), 'HMD-0412');
  const box = form.locator('#recipient-list input[type=checkbox]');
  await box.waitFor();
  await box.check();
  await form.locator('#recipient-list input:not([type=checkbox])').fill('no contact with children');
  const reviewDate = new Date(Date.now() + 90 * 24 * 3600_000);
  await form.locator('#review_date').fill(localSlot(reviewDate).slice(0, 10));
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^Risk assessment recorded; 1 recipient\(s\) approved\.$/);
  await form.locator('#recipient-list label', { hasText: 'approved' }).waitFor();
  assert.equal(await page.locator('#pending tr').count(), 0, 'the approved caller is still pending review');
  await screenshot(page, 'risk');
}

// Fills and submits the booking form; returns the join links by role.
async function requestBooking(page, slotStart, urgentReason) {
  const form = page.locator('#booking');
  await chooseOption(form.locator('#detained_individual_id'), 'HMD-0412');
  await chooseOption(form.locator('#recipient_id'), 'Chidi Okafor');
  await form.locator('#slot_local').fill(localSlot(slotStart));
  await form.locator('#terminal').fill('terminal-1');
  await form.locator('#urgent_reason').fill(urgentReason);
  await form.locator('button[type=submit]').click();
  await expectStatus(form, new RegExp(`^Booking \\d+ confirmed for ${localSlot(slotStart).replace('T', ' ')}\\.$`));
  const items = page.locator('#links li');
  await items.nth(1).waitFor();
  const links = {};
  for (const text of await items.allTextContents()) {
    const [role, url] = text.split(': ');
    links[role] = url;
  }
  const terminalHolder = 'Detained individual (terminal or tablet)';
  assert.deepEqual(Object.keys(links).sort(), [terminalHolder, 'Recipient'], `join links: ${JSON.stringify(links)}`);
  for (const url of Object.values(links)) assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/call\/\?token=/);
  const row = page.locator('#bookings tr', { hasText: localSlot(slotStart).replace('T', ' ') });
  await row.waitFor();
  assert.match(await row.textContent(), /HMD-0412 - Adaeze Okafor.*Chidi Okafor.*social.*confirmed/);
  return { terminal: links[terminalHolder], caller: links.Recipient };
}

// A request inside 24 hours without an urgent reason is refused, and the
// page shows the recorded reason.
async function checkShortNoticeRefused(page) {
  const form = page.locator('#booking');
  const slotStart = new Date(Math.ceil((Date.now() + 2 * 3600_000) / SLOT_MS) * SLOT_MS);
  await form.locator('#slot_local').fill(localSlot(slotStart));
  await form.locator('#urgent_reason').fill('');
  await form.locator('button[type=submit]').click();
  const status = form.locator('.status.error');
  await status.waitFor();
  assert.match(await status.textContent(), /24 hours are required unless an officer approves an urgent request/);
  await page.locator('#bookings tr', { hasText: 'refused' }).waitFor();
  await screenshot(page, 'booking-refused');
}

// The refusal is an incident report for the security team; the suspensions
// page loads with nothing overdue.
async function checkReportPages(page, baseURL) {
  await page.goto(`${baseURL}/admin/incidents.html`);
  const report = page.locator('#reports tr', { hasText: '24 hours are required' });
  await report.waitFor();
  // Only the security team marks reports reviewed, so a manager's page shows that the report waits.
  assert.match(await report.textContent(), /short notice.*Waiting for the security team/);
  // A manager also sees the officers' alert decisions, none yet.
  await page.locator('#decision-status', { hasText: 'No alert has been acknowledged or dismissed yet.' }).waitFor();
  assert.equal(await page.locator('#decisions-table').isVisible(), false, 'an empty alert decision table is shown');
  await screenshot(page, 'incidents');
  await page.goto(`${baseURL}/admin/suspensions.html`);
  await page.locator('#overdue', { hasText: 'Nothing is overdue.' }).waitFor();
  await screenshot(page, 'suspensions');
}

// A welfare check requested after the booked call, as the officer's console
// requests it through the staff API, is listed open on the welfare page. The
// manager marks it complete, and it leaves the open list.
async function checkWelfarePage(page, baseURL, joinLink) {
  const callId = new URL(joinLink).searchParams.get('call');
  const bookingId = Number(callId.replace(/^booking-/, ''));
  const note = 'tearful when the call ended; ask how she is';
  const requested = await page.request.post(`${baseURL}/api/welfare-checks`, {
    data: { booking_id: bookingId, note },
    headers: { Origin: baseURL },
  });
  assert.equal(requested.status(), 201, `requesting the welfare check failed: ${await requested.text()}`);
  const checkId = (await requested.json()).id;

  await page.goto(`${baseURL}/admin/welfare.html`);
  const row = page.locator('#checks tr', { hasText: note });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`^${checkId}.*Adaeze Okafor${callId}${note}${MANAGER.username}`));
  await page.locator('#welfare-status', { hasText: '1 welfare check is open.' }).waitFor();
  await screenshot(page, 'welfare-open');

  await row.getByRole('button', { name: `Mark check ${checkId} complete` }).click();
  await page.locator('#welfare-status', { hasText: `Welfare check ${checkId} marked complete.` }).waitFor();
  await row.waitFor({ state: 'detached' });
  await page.getByLabel('Show completed checks too').check();
  const completed = page.locator('#checks tr', { hasText: note });
  await completed.waitFor();
  assert.match(await completed.textContent(), new RegExp(`${MANAGER.username} at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC$`));
  await screenshot(page, 'welfare-completed');
  return { callId, checkId };
}

// The audit log page lists the welfare check's request and completion,
// newest first, and filters them by action and by call.
async function checkAuditPage(page, baseURL, { callId, checkId }) {
  await page.goto(`${baseURL}/admin/audit.html`);
  const form = page.locator('#audit-filter');
  await expectStatus(form, /^\d+ entries, newest first\.$/);
  const first = await page.locator('#entries tr').first().locator('td').allTextContents();
  assert.equal(first[4], 'welfare_check_completed', `newest entry: ${first.join(' | ')}`);

  await form.locator('#action').fill('welfare_check_requested');
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^1 entry, newest first\.$/);
  const cells = await page.locator('#entries tr').first().locator('td').allTextContents();
  assert.match(cells[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
  assert.deepEqual(cells.slice(1), [MANAGER.username, 'manager', 'Harmondsworth', 'welfare_check_requested',
    `welfare check ${checkId}`, callId, '']);

  await form.locator('#action').fill('');
  await form.locator('#call_id').fill(callId);
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^2 entries, newest first\.$/);
  assert.deepEqual(await page.locator('#entries tr td:nth-child(5)').allTextContents(),
    ['welfare_check_completed', 'welfare_check_requested']);

  await form.locator('#call_id').fill('booking-999999');
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^No entry matches\.$/);
  assert.equal(await page.locator('#entries tr').count(), 0);
  await screenshot(page, 'audit');
}

// A slot on the half hour about 48 hours ahead, well past the 24-hour notice.
function slotAfterTomorrow() {
  return new Date(Math.ceil((Date.now() + 48 * 3600_000) / SLOT_MS) * SLOT_MS);
}

// The next slot if its join links are open now, or null.
function slotOpenNow() {
  const next = new Date(Math.ceil((Date.now() + MIN_LEAD_MS) / SLOT_MS) * SLOT_MS);
  return next.getTime() - Date.now() <= JOIN_EARLY_MS - MIN_LEAD_MS ? next : null;
}

async function openJoinLink(role, url) {
  const side = await openBrowser(role, { width: 1000, height: 720 });
  await side.page.goto(url);
  return side;
}

async function checkRefusedOutsideSlot(url, events, sides) {
  const side = await openJoinLink('terminal', url);
  sides.push(side);
  await side.page.waitForFunction(() => document.body.dataset.state === 'rejected');
  const status = await side.page.locator('#status').textContent();
  assert.match(status, /has not opened yet/, `the refused page shows "${status}"`);
  await screenshot(side.page, 'join-too-early');
  const refusal = events.find((entry) => entry.event === 'join_refused' && entry.admission === 'outside_slot');
  assert.ok(refusal, 'the relay log has no join_refused entry with admission outside_slot');
}

async function sample(side) {
  return side.page.evaluate(async () => {
    const pc = window.sightlineCall.peerConnection;
    let framesDecoded = 0;
    if (pc) {
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') framesDecoded += report.framesDecoded ?? 0;
      });
    }
    return { framesDecoded, state: window.sightlineCall.state };
  });
}

async function checkLiveCall(links, sides) {
  const pair = [await openJoinLink('terminal', links.terminal), await openJoinLink('caller', links.caller)];
  sides.push(...pair);
  const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
  let samples;
  for (;;) {
    samples = await Promise.all(pair.map(sample));
    if (samples.every((entry) => entry.state === 'live' && entry.framesDecoded > 0)) break;
    if (Date.now() > deadline) throw new Error(`the booked call did not go live: ${JSON.stringify(samples)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, DECODE_CHECK_MS));
  const later = await Promise.all(pair.map(sample));
  pair.forEach((side, i) => {
    assert.equal(later[i].state, 'live', `${side.role}: the page left the live state`);
    assert.ok(later[i].framesDecoded > samples[i].framesDecoded,
      `${side.role}: framesDecoded stayed at ${later[i].framesDecoded} for ${DECODE_CHECK_MS} ms`);
  });
  for (const side of pair) await screenshot(side.page, `call-${side.role}`);
  console.log(`booked call live: ${JSON.stringify(later)}`);

  // A reloaded page returns to the call with the rejoin ticket its first
  // join received, although its join link has been used.
  const caller = pair[1];
  await caller.page.reload();
  const rejoinDeadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    const entry = await sample(caller);
    if (entry.state === 'live' && entry.framesDecoded > 0) break;
    assert.notEqual(entry.state, 'rejected', 'the reloaded caller page was rejected');
    if (Date.now() > rejoinDeadline) throw new Error(`the reloaded caller page did not return to the call: ${JSON.stringify(entry)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await screenshot(caller.page, 'call-caller-rejoined');
}

// A 3-day suspension made on the page is listed with its written notice. An
// appeal lodged on the page is listed with its due time, 48 hours after it
// was lodged. The manager who suspended may not decide it, so the decide form
// shows the server's refusal.
async function checkSuspensionAndAppeal(page, baseURL) {
  await page.goto(`${baseURL}/admin/suspensions.html`);
  const form = page.locator('#suspend');
  await chooseOption(form.locator('#detained_individual_id'), 'HMD-0412');
  await form.locator('#category').selectOption('recording_call');
  await form.locator('#reasons').fill('Filmed the call screen with a smuggled phone.');
  const starts = new Date();
  await form.locator('#starts_at').fill(localSlot(starts));
  await form.locator('#ends_at').fill(localSlot(new Date(starts.getTime() + 3 * 24 * 3600_000)));
  await form.locator('#legal_access').fill('telephone calls to legal advisers from the welfare office');

  // Over 7 days without a compliance authoriser: the page names the missing field and sends nothing.
  await form.locator('#ends_at').fill(localSlot(new Date(starts.getTime() + 8 * 24 * 3600_000)));
  await form.locator('button[type=submit]').click();
  const authorisationError = form.locator('#authorised_by-error');
  await authorisationError.waitFor({ state: 'visible' });
  assert.match(await authorisationError.textContent(), /more than 7 days: enter the username of the compliance manager/);
  assert.equal(await page.locator('#suspensions tr').count(), 0, 'a suspension over 7 days was recorded without authorisation');

  await form.locator('#ends_at').fill(localSlot(new Date(starts.getTime() + 3 * 24 * 3600_000)));
  await form.locator('button[type=submit]').click();
  await expectStatus(form, /^Suspension \d+ recorded until /);
  const suspensionId = (await form.locator('.status').textContent()).match(/^Suspension (\d+)/)[1];
  const row = page.locator('#suspensions tr', { hasText: 'HMD-0412 - Adaeze Okafor' });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`^${suspensionId}HMD-0412 - Adaeze Okafor.*recording a call.*${MANAGER.username}`));
  const notice = row.locator('a', { hasText: 'Written notice' });
  assert.equal(await notice.getAttribute('href'), `/api/suspensions/${suspensionId}/notice`);
  const printable = await page.request.get(`${baseURL}/api/suspensions/${suspensionId}/notice`);
  assert.equal(printable.status(), 200, `the written notice: HTTP ${printable.status()}`);
  assert.match(await printable.text(), /Filmed the call screen with a smuggled phone\./);
  await screenshot(page, 'suspension');

  const lodge = page.locator('#lodge');
  await lodge.locator('#lodge_suspension_id').selectOption(suspensionId);
  await lodge.locator('#appeal_reasons').fill('The phone was a calculator; no recording was made.');
  await lodge.locator('#imminent_removal').selectOption('no');
  await lodge.locator('button[type=submit]').click();
  await expectStatus(lodge, /^Appeal \d+ lodged; a decision is due by \d{4}-\d{2}-\d{2} \d{2}:\d{2}\.$/);
  const appealId = (await lodge.locator('.status').textContent()).match(/^Appeal (\d+)/)[1];
  const appealRow = page.locator('#appeals tr').first();
  await appealRow.waitFor();
  const cells = await appealRow.locator('td').allTextContents();
  assert.equal(cells[0], appealId);
  assert.equal(cells[1], suspensionId);
  const lodgedAt = new Date(`${cells[2].replace(' ', 'T')}:00Z`).getTime();
  const dueAt = new Date(`${cells[3].replace(' ', 'T')}:00Z`).getTime();
  // Both are local times of one zone, so their difference is 48 hours unless the clocks change in between.
  assert.ok(Math.abs(dueAt - lodgedAt - 48 * 3600_000) <= 3600_000 + 60_000, `appeal row: ${cells.join(' | ')}`);

  const decide = page.locator('#decide');
  await decide.locator('#appeal_id').selectOption(appealId);
  await decide.locator('#decision_outcome').fill('dismissed');
  await decide.locator('button[type=submit]').click();
  const refusal = decide.locator('.status.error');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), new RegExp(`${MANAGER.username} took the original decision; another manager must decide the appeal`));
  assert.equal(await page.locator('#appeals tr').first().locator('td').nth(5).textContent(), '', 'the refused decision was recorded');
  await screenshot(page, 'appeal-refused');
}

async function main() {
  for (const clip of Object.values(clips)) assert.ok(existsSync(clip), `test clip missing: ${clip}`);
  mkdirSync(env.artifactDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-admin-'));
  const store = `sqlite:${path.join(dataDir, 'sightline.db')}`;
  addUser(store, ADMIN, 'admin');
  const serve = startServe({
    dataDir,
    logName: 'admin-relay.log',
    // The booked call here goes live without an officer; tests/browser/console.test.mjs has the ID check.
    args: ['--calls.id-check=false', '--analysis.enabled=false'],
  });
  const { ready, events } = serve;
  const sides = [];
  try {
    const port = await ready;
    const baseURL = `https://127.0.0.1:${port}`;
    const staff = await openBrowser(null, { width: 1280, height: 900 });
    sides.push(staff);
    const { page } = staff;
    const centreId = await createCentre(page, baseURL);
    addUser(store, MANAGER, 'manager', centreId);
    await signIn(page, baseURL);
    await addPersonAndCaller(page);
    await recordCompact(page, baseURL);
    await recordRiskAssessment(page, baseURL);

    await page.goto(`${baseURL}/admin/booking.html`);
    const ahead = await requestBooking(page, slotAfterTomorrow(), '');
    await screenshot(page, 'booking');
    await checkShortNoticeRefused(page);
    await checkRefusedOutsideSlot(ahead.terminal, events, sides);
    await checkReportPages(page, baseURL);
    const welfareCheck = await checkWelfarePage(page, baseURL, ahead.terminal);
    await checkAuditPage(page, baseURL, welfareCheck);

    const now = slotOpenNow();
    if (now) {
      await page.goto(`${baseURL}/admin/booking.html`);
      const urgent = await requestBooking(page, now, 'removal directions served today; his brother must be told');
      await screenshot(page, 'booking-urgent');
      await checkLiveCall(urgent, sides);
    } else {
      console.log('skipped the live booked call: the next slot opens for joining more than ' +
        `${(JOIN_EARLY_MS - MIN_LEAD_MS) / 60_000} minutes from now, and a slot that has started cannot be booked`);
    }
    // Last, because a suspended person can book no social calls.
    await checkSuspensionAndAppeal(page, baseURL);
  } catch (error) {
    await reportFailure(sides, 'admin');
    throw error;
  } finally {
    for (const side of sides) await side.browser.close().catch(() => {});
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log('browser admin test passed');
}, (error) => {
  console.error(error);
  process.exitCode = 1;
});
