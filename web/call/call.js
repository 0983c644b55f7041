// The call page: reads the join link, starts the camera and microphone, joins
// the call over the signalling WebSocket, and shows every state of the call.
// Opened as /call/?call=ID&participant=ID&role=caller|terminal&token=...&ends=ISO8601&lang=CODE.

import * as i18n from './i18n.js';
import { MediaSession } from './media_session.js';
import { Signalling } from './signalling.js';
import { clockParts, slotEnd, slotTimes, WARNING_SECONDS } from './slot_timer.js';

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const ROLES = ['caller', 'terminal', 'legal-adviser', 'interpreter'];
const LANGUAGE_STORAGE_KEY = 'sightline.language';
// The relay's rejoin ticket for this call and participant is kept under this
// prefix, so that a reloaded page can return to its call with a used link.
const REJOIN_STORAGE_PREFIX = 'sightline.rejoin.';
const TIMER_INTERVAL_MS = 1000;
// Preferred camera format; the browser picks the nearest its camera offers.
const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
// With simulcast: Chromium sends three layers only from about 960x540 on.
const SIMULCAST_VIDEO_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

// Every state the page shows, with the catalogue key of its message.
const STATE_MESSAGES = {
  starting: 'stateStarting',
  invalidLink: 'stateInvalidLink',
  mediaError: 'stateMediaError',
  connecting: 'stateConnecting',
  waiting: 'stateWaiting',
  idCheck: 'stateIdCheck',
  connectingMedia: 'stateConnectingMedia',
  live: 'stateLive',
  ending: 'stateEnding',
  otherLeft: 'stateOtherLeft',
  reconnecting: 'stateReconnecting',
  reconnectingMedia: 'stateReconnectingMedia',
  rejected: 'stateRejected',
  ended: 'stateEnded',
};

// Reason codes of a rejected join, and their catalogue keys.
const REFUSAL_REASONS = {
  invalid_token: 'refusalInvalidLink',
  token_reused_or_expired: 'refusalLinkUsed',
  outside_slot: 'refusalNotOpen',
  no_compact: 'refusalNotReady',
  suspended: 'refusalCannotTakePlace',
  recipient_not_approved: 'refusalAwaitingApproval',
  already_in_call: 'refusalAlreadyInCall',
};

// Reasons the relay may give in call-ended, and their catalogue keys.
const END_REASONS = {
  'slot-over': 'reasonSlotOver',
  'ended-by-officer': 'reasonEndedByOfficer',
  'id-check-failed': 'reasonIdCheckFailed',
  'left': 'reasonYouLeft',
  'relay-stopped': 'reasonRelayStopped',
  'officer-recording': 'reasonOfficerRecording',
  'officer-dress': 'reasonOfficerDress',
  'officer-abusive': 'reasonOfficerAbusive',
  'officer-recipient_safety': 'reasonOfficerSafety',
  'officer-centre_security': 'reasonOfficerSecurity',
  'officer-other': 'reasonEndedByOfficer',
};

// Reasons an officer may give in a warning, and their catalogue keys.
const WARNING_REASONS = {
  recording: 'warningRecording',
  dress: 'warningDress',
  abusive: 'warningAbusive',
  recipient_safety: 'warningSafety',
  centre_security: 'warningSecurity',
  other: 'warningOther',
};

const page = {
  params: null,
  localStream: null,
  remoteStream: new MediaStream(),
  signalling: null,
  media: null,
  state: 'starting',
  stateValues: {},
  // Set by the relay's call-state message; until then the page infers the state.
  serverState: null,
  // Everyone else in the call: participant id to role.
  others: new Map(),
  // The others' last media-state messages: participant id to { audio, video }.
  remoteMediaStates: new Map(),
  joined: false,
  transportConnected: false,
  // The current connection's remote video is playing.
  remotePlaying: false,
  // Remote video has played at some point in this call.
  hadRemoteMedia: false,
  finished: false,
  joinedAt: null,
  slotEndsAt: null,
  timer: null,
};

// For tests and diagnostics: the current RTCPeerConnection and state.
window.sightlineCall = {
  get peerConnection() {
    return page.media ? page.media.pc : null;
  },
  get state() {
    return page.state;
  },
};

const element = (id) => document.getElementById(id);

function readParams() {
  const query = new URLSearchParams(location.search);
  const params = {
    call: query.get('call') ?? '',
    participant: query.get('participant') ?? '',
    role: query.get('role') ?? 'caller',
    token: query.get('token'),
    ends: query.get('ends'),
    lang: query.get('lang'),
    // The camera is sent as up to three simulcast layers, as many as its size
    // allows. A link with simulcast=0 sends one plain stream, and one with
    // simulcast=3 always three layers (docs/call-page.md).
    simulcast: { 0: 0, 3: 3 }[query.get('simulcast')] ?? 1,
  };
  params.valid = ID_PATTERN.test(params.call) && ID_PATTERN.test(params.participant) && ROLES.includes(params.role);
  return params;
}

function setState(state, values = {}) {
  page.state = state;
  page.stateValues = values;
  renderState();
}

// The ID check reads differently for the terminal, and for the caller once the officer is there.
function messageKey(state) {
  if (state !== 'idCheck') return STATE_MESSAGES[state];
  if (page.params?.role === 'terminal') return 'stateIdCheckTerminal';
  return [...page.others.values()].includes('officer') ? 'stateIdCheckOfficer' : 'stateIdCheck';
}

function renderState() {
  const status = element('status');
  let text = i18n.translate(messageKey(page.state), page.stateValues);
  if (page.stateValues.detail) text += ` ${page.stateValues.detail}`;
  // Rewriting the same text would make screen readers announce it again.
  if (status.textContent !== text) status.textContent = text;
  document.body.dataset.state = page.state;
}

// Chooses the state to show from what the page knows, unless the relay said otherwise.
function updateCallState() {
  if (page.finished || !page.joined) return;
  if (page.serverState === 'id-check') return setState('idCheck');
  if (page.serverState === 'ending') return setState('ending', endingValues());
  const parties = [...page.others.values()].filter((role) => role !== 'officer').length;
  if (parties === 0) return setState(page.hadRemoteMedia ? 'otherLeft' : 'waiting');
  if (page.mediaInterrupted) return setState('reconnectingMedia');
  if (page.transportConnected && page.remotePlaying) return setState('live');
  setState('connectingMedia');
}

function endingValues() {
  const { remainingSeconds } = slotTimes(new Date(), page.joinedAt ?? new Date(), page.slotEndsAt ?? new Date());
  return { minutes: i18n.formatNumber(Math.max(1, Math.ceil(remainingSeconds / 60))) };
}

function formatClock(totalSeconds) {
  const { minutes, seconds } = clockParts(totalSeconds);
  return `${i18n.formatNumber(minutes, 2)}:${i18n.formatNumber(seconds, 2)}`;
}

function renderTimer() {
  if (!page.joinedAt) return;
  const { elapsedSeconds, remainingSeconds } = slotTimes(new Date(), page.joinedAt, page.slotEndsAt);
  element('elapsed').textContent = formatClock(elapsedSeconds);
  element('remaining').textContent = i18n.translate('timeLeft', { time: formatClock(remainingSeconds) });
  element('timer').classList.toggle('timer-warning', remainingSeconds <= WARNING_SECONDS);
}

function startTimer() {
  if (page.timer) return;
  page.joinedAt = new Date();
  page.slotEndsAt = slotEnd(page.params.ends, page.joinedAt);
  renderTimer();
  page.timer = setInterval(renderTimer, TIMER_INTERVAL_MS);
}

function sendJoin() {
  const join = { type: 'join', call: page.params.call, participant: page.params.participant, role: page.params.role };
  // A join link admits once. A reload or reconnection also sends the ticket
  // the relay gave this browser at its first join.
  if (page.params.token) join.token = page.params.token;
  const rejoin = readRejoinTicket();
  if (rejoin) join.rejoin = rejoin;
  page.signalling.send(join);
  setState('connecting');
}

function rejoinStorageKey() {
  return `${REJOIN_STORAGE_PREFIX}${page.params.call}.${page.params.participant}`;
}

function storeRejoinTicket(ticket) {
  try {
    localStorage.setItem(rejoinStorageKey(), ticket);
  } catch {
    // Storage may be off (private mode), and then the page cannot rejoin after a reload.
  }
}

function readRejoinTicket() {
  try {
    return localStorage.getItem(rejoinStorageKey());
  } catch {
    return null;
  }
}

function startMedia() {
  closeMedia();
  page.remotePlaying = false;
  page.remoteStream = new MediaStream();
  element('remote-video').srcObject = page.remoteStream;
  page.media = new MediaSession({
    localStream: page.localStream,
    send: (message) => page.signalling.send(message),
    simulcast: page.params.simulcast,
    onRemoteTrack: (track) => {
      page.remoteStream.addTrack(track);
      playRemote();
    },
    onConnectionState: (state) => {
      page.transportConnected = state === 'connected';
      // Media that was flowing and stopped shows as reconnecting until the
      // connection is back; the session restarts ICE meanwhile.
      if (state === 'connected') {
        page.mediaWasConnected = true;
        page.mediaInterrupted = false;
      } else if (page.mediaWasConnected && (state === 'disconnected' || state === 'failed')) {
        page.mediaInterrupted = true;
      }
      updateCallState();
    },
  });
  page.media.offer().catch((error) => {
    console.error('creating the offer failed', error);
    setState('mediaError', { detail: String(error.message ?? error) });
  });
}

// The relay dropped this page's transport (ICE consent expired after 30 s
// without traffic, DTLS failed, or its only ICE-TCP connection closed), and
// with it the DTLS association. A browser keeps its association across an
// ICE restart, so only a new RTCPeerConnection, with a new handshake, can
// carry media again. Media that was flowing shows as reconnecting meanwhile.
function replaceMedia() {
  if (!page.media || !page.joined) return;
  const wasConnected = page.mediaWasConnected;
  startMedia();
  page.mediaWasConnected = wasConnected;
  page.mediaInterrupted = wasConnected;
  updateCallState();
}

function closeMedia() {
  if (page.media) page.media.close();
  page.media = null;
  page.transportConnected = false;
  page.mediaWasConnected = false;
  page.mediaInterrupted = false;
}

function playRemote() {
  const video = element('remote-video');
  video.play().catch(() => {
    // Autoplay with sound needs a user gesture on some browsers: play muted and offer a button.
    video.muted = true;
    video.play().catch(() => {});
    element('sound').hidden = false;
  });
}

function finish(state, values) {
  page.finished = true;
  page.joined = false;
  page.signalling?.close();
  closeMedia();
  clearInterval(page.timer);
  // The call's length stays on screen; the time left in the slot no longer applies.
  element('remaining').hidden = true;
  element('timer').classList.remove('timer-warning');
  for (const track of page.localStream?.getTracks() ?? []) track.stop();
  element('controls').querySelectorAll('button').forEach((button) => {
    button.disabled = true;
  });
  setState(state, values);
}

// An officer's warning stays on screen until the person dismisses it. Its
// alert role makes screen readers announce it at once.
function showWarning(key, officerText) {
  const box = element('warning');
  box.dataset.i18nKey = key;
  element('warning-text').textContent = i18n.translate(key);
  // The officer's own words are shown as written, in whatever language they are in.
  element('warning-officer').hidden = !officerText;
  element('warning-officer-text').textContent = officerText;
  box.hidden = false;
  element('warning-close').focus();
}

function endReasonText(reason) {
  const key = END_REASONS[reason];
  return key ? i18n.translate(key) : i18n.translate('reasonOther');
}

const handlers = {
  joined(message) {
    page.joined = true;
    page.others = new Map((message.participants ?? []).map((id) => [id, message.roles?.[id] ?? 'caller']));
    if (message.rejoin) storeRejoinTicket(message.rejoin);
    startTimer();
    startMedia();
    sendMediaState();
    updateCallState();
  },
  answer(message) {
    page.media?.acceptAnswer(message.sdp).catch((error) => console.error('the answer was rejected', error));
  },
  'participant-joined'(message) {
    page.others.set(message.participant, message.role ?? 'caller');
    updateCallState();
  },
  'participant-left'(message) {
    page.others.delete(message.participant);
    page.remoteMediaStates.delete(message.participant);
    renderRemoteMediaState();
    updateCallState();
  },
  'media-state'(message) {
    page.remoteMediaStates.set(message.participant, { audio: message.audio !== false, video: message.video !== false });
    renderRemoteMediaState();
  },
  connected() {
    page.transportConnected = true;
    updateCallState();
  },
  'call-state'(message) {
    page.serverState = message.state;
    if (message.ends) {
      const ends = new Date(message.ends);
      if (!Number.isNaN(ends.getTime())) page.slotEndsAt = ends;
    }
    updateCallState();
  },
  'call-ended'(message) {
    finish('ended', { reason: endReasonText(message.reason) });
  },
  warning(message) {
    showWarning(WARNING_REASONS[message.reason] ?? 'warningOther', message.text ?? '');
  },
  error(message) {
    if (message.code === 'transport-failed') {
      replaceMedia();
    } else if (message.code === 'join-rejected' && !page.joined && page.wasJoined) {
      // After a dropped connection the relay may not have noticed the old session yet.
      page.signalling.reconnect();
    } else if (message.code === 'join-rejected') {
      const key = REFUSAL_REASONS[message.reason];
      finish('rejected', { reason: key ? i18n.translate(key) : (message.message ?? i18n.translate('refusalOther')) });
    } else {
      console.warn('signalling error', message);
    }
  },
};

function onSignallingMessage(message) {
  if (page.finished) return;
  const handler = handlers[message.type];
  if (handler) {
    if (message.type === 'joined') page.wasJoined = true;
    handler(message);
  }
}

function onSignallingLost(delayMs) {
  if (page.finished) return;
  page.joined = false;
  closeMedia();
  setState('reconnecting', { seconds: i18n.formatNumber(Math.ceil(delayMs / 1000)) });
}

// Tells the others whether this page's microphone and camera are on. The
// tracks keep sending silence and black frames, so they cannot tell otherwise.
function sendMediaState() {
  if (!page.joined) return;
  page.signalling.send({
    type: 'media-state',
    audio: element('mute').getAttribute('aria-pressed') !== 'true',
    video: element('camera').getAttribute('aria-pressed') !== 'true',
  });
}

// Shows over the other party's video that their microphone or camera is off.
// Officers watch without sending, so their state is not shown.
function renderRemoteMediaState() {
  const parties = [...page.remoteMediaStates.entries()].filter(([id]) => page.others.get(id) !== 'officer');
  document.body.classList.toggle('remote-muted', parties.some(([, state]) => !state.audio));
  document.body.classList.toggle('remote-camera-off', parties.some(([, state]) => !state.video));
}

function wireControls() {
  element('mute').addEventListener('click', (event) => {
    const muted = event.currentTarget.getAttribute('aria-pressed') !== 'true';
    for (const track of page.localStream.getAudioTracks()) track.enabled = !muted;
    event.currentTarget.setAttribute('aria-pressed', String(muted));
    document.body.classList.toggle('muted', muted);
    sendMediaState();
  });
  element('camera').addEventListener('click', (event) => {
    const off = event.currentTarget.getAttribute('aria-pressed') !== 'true';
    for (const track of page.localStream.getVideoTracks()) track.enabled = !off;
    event.currentTarget.setAttribute('aria-pressed', String(off));
    element('local-video').classList.toggle('camera-off', off);
    document.body.classList.toggle('camera-off', off);
    sendMediaState();
  });
  element('sound').addEventListener('click', () => {
    const video = element('remote-video');
    video.muted = false;
    video.play().then(() => {
      element('sound').hidden = true;
    }).catch(() => {});
  });
  element('fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  element('warning-close').addEventListener('click', () => {
    element('warning').hidden = true;
  });
  element('leave').addEventListener('click', () => {
    page.signalling?.send({ type: 'leave' });
    finish('ended', { reason: endReasonText('left') });
  });
  element('remote-video').addEventListener('playing', () => {
    page.remotePlaying = true;
    page.hadRemoteMedia = true;
    updateCallState();
  });
}

async function setUpLanguage() {
  const available = await i18n.availableLanguages();
  let stored = null;
  try {
    stored = localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    // Storage may be disabled on a locked-down terminal; the chooser still works for this visit.
  }
  const code = i18n.chooseLanguage([page.params.lang, stored, ...navigator.languages], available);
  await i18n.loadLanguage(code);
  i18n.applyToDocument();

  const select = element('language');
  for (const option of available) {
    const item = document.createElement('option');
    item.value = option;
    // Each language is listed in its own script, so that its speakers recognise it.
    item.textContent = await languageName(option);
    select.append(item);
  }
  select.value = i18n.currentLanguage();
  select.addEventListener('change', async () => {
    try {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, select.value);
    } catch {
      // See above.
    }
    await i18n.loadLanguage(select.value);
    i18n.applyToDocument();
    renderState();
    renderTimer();
    const warning = element('warning');
    if (!warning.hidden) element('warning-text').textContent = i18n.translate(warning.dataset.i18nKey);
  });
  element('language-area').hidden = false;
}

async function languageName(code) {
  try {
    const response = await fetch(new URL(`../i18n/${code}.json`, import.meta.url), { cache: 'no-cache' });
    const catalogue = await response.json();
    return catalogue._language ?? code;
  } catch {
    return code;
  }
}

async function main() {
  page.params = readParams();
  const kiosk = page.params.role === 'terminal';
  document.body.classList.toggle('kiosk', kiosk);
  element('fullscreen').hidden = !(kiosk && document.fullscreenEnabled);
  await setUpLanguage();
  wireControls();

  if (!page.params.valid) {
    finish('invalidLink');
    return;
  }
  setState('starting');
  try {
    const video = page.params.simulcast ? SIMULCAST_VIDEO_CONSTRAINTS : VIDEO_CONSTRAINTS;
    page.localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (error) {
    finish('mediaError', { detail: error.name === 'NotAllowedError' ? '' : String(error.message ?? '') });
    return;
  }
  element('local-video').srcObject = page.localStream;

  page.signalling = new Signalling({ onOpen: sendJoin, onMessage: onSignallingMessage, onLost: onSignallingLost });
  page.signalling.connect();
  setState('connecting');
}

main().catch((error) => {
  console.error(error);
  setState('mediaError', { detail: String(error.message ?? error) });
});
