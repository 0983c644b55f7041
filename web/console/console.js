// The officer's console. One WebSocket at /console/ws carries the centre's
// calls and alerts and takes the officer's decisions (docs/console.md). The
// ID check and opening a call's video join the call over /ws as an officer,
// with the call page's media code.
import { Signalling } from '/call/signalling.js';
import { MediaSession } from '/call/media_session.js';

const KIND_LABELS = {
  recording_device: 'Recording device raised',
  inappropriate_dress: 'Inappropriate dress',
};
// The end and warning reason an alert of each kind suggests.
const KIND_REASONS = { recording_device: 'recording', inappropriate_dress: 'dress' };
const ROLE_LABELS = {
  terminal: 'detained person',
  caller: 'caller',
  'legal-adviser': 'legal adviser',
  interpreter: 'interpreter',
  officer: 'officer',
};
// Descriptions of the end reasons, as the end dialog words them.
const END_LABELS = {
  recording: 'recording the call',
  dress: 'inappropriate dress',
  abusive: 'abusive language or behaviour',
  recipient_safety: 'safety of the recipient',
  centre_security: 'security of the centre',
  other: 'other reason',
  id_check_refused: 'ID check refused',
};
// Participants are listed in this order.
const ROLE_ORDER = ['terminal', 'caller', 'legal-adviser', 'interpreter', 'officer'];
const STATE_LABELS = {
  waiting: 'Waiting for the other party',
  'id-check': 'ID check needed',
  live: 'Live',
  ended: 'Ended',
};

const view = {
  me: null,
  calls: new Map(),
  alerts: new Map(),
  // When each alert first reached this console (browser clock), for support and tests.
  alertReceivedAt: new Map(),
  selected: null,
  // Server time minus this browser's clock, for the time left in each slot.
  clockOffsetMs: 0,
  pending: new Map(),
  nextRequest: 1,
  socket: null,
  link: null,
  audio: null,
};

const element = (id) => document.getElementById(id);

class ConsoleSocket extends Signalling {
  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/console/ws`;
  }
}

// --- the console socket ---

function connect() {
  view.socket?.close();
  view.socket = new ConsoleSocket({
    onOpen: () => setConnection('Connected', false),
    onMessage: onMessage,
    onLost: (delayMs) => setConnection(`Connection lost; retrying in ${Math.ceil(delayMs / 1000)} s`, true),
  });
  view.socket.connect();
}

function setConnection(text, lost) {
  const status = element('connection');
  status.textContent = text;
  status.classList.toggle('lost', lost);
}

// Sends a request and resolves with the server's result message.
function request(message) {
  const id = view.nextRequest++;
  return new Promise((resolve) => {
    if (!view.socket?.send({ ...message, request: id })) {
      resolve({ ok: false, error: 'The console is not connected. Wait for it to reconnect, then try again.' });
      return;
    }
    view.pending.set(id, resolve);
  });
}

const handlers = {
  hello(message) {
    view.me = message;
    view.clockOffsetMs = Date.parse(message.server_time) - Date.now();
    element('who').textContent = `${message.user} (${message.role})`;
    element('sign-in-area').hidden = true;
    element('console-area').hidden = false;
    element('sign-out').hidden = false;
  },
  calls(message) {
    view.calls = new Map(message.calls.map((call) => [call.call, call]));
    render();
  },
  call(message) {
    view.calls.set(message.call.call, message.call);
    render();
  },
  'call-removed'(message) {
    view.calls.delete(message.call);
    if (view.selected === message.call) closePanel();
    render();
  },
  alerts(message) {
    view.alerts = new Map(message.alerts.map((alert) => [alert.id, alert]));
    render();
  },
  alert(message) {
    const isNew = !view.alerts.has(message.alert.id);
    if (isNew) view.alertReceivedAt.set(message.alert.id, Date.now());
    view.alerts.set(message.alert.id, message.alert);
    render();
    if (isNew) announceAlert(message.alert);
  },
  'alert-removed'(message) {
    view.alerts.delete(message.alert);
    render();
  },
  result(message) {
    const resolve = view.pending.get(message.request);
    view.pending.delete(message.request);
    resolve?.(message);
  },
  error(message) {
    if (message.code === 'unauthorised' || message.code === 'forbidden') {
      view.socket?.close();
      view.socket = null;
      showSignIn(message.message);
    } else {
      console.warn('console error', message);
    }
  },
};

function onMessage(message) {
  handlers[message.type]?.(message);
}

// --- alerts: seen, heard and announced ---

function announceAlert(alert) {
  const call = view.calls.get(alert.call);
  element('alert-announcer').textContent = `New alert: ${KIND_LABELS[alert.kind] ?? alert.kind}, ${callLabel(call, alert.call)}`;
  playCue();
  requestAnimationFrame(() => document.querySelector(`[data-alert="${alert.id}"]`)?.classList.add('new'));
}

// Two short tones. Browsers allow sound only after the officer has used the page.
function playCue() {
  try {
    view.audio ??= new AudioContext();
    const now = view.audio.currentTime;
    for (const [offset, frequency] of [[0, 880], [0.22, 660]]) {
      const tone = view.audio.createOscillator();
      const gain = view.audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.18);
      tone.connect(gain).connect(view.audio.destination);
      tone.start(now + offset);
      tone.stop(now + offset + 0.2);
    }
  } catch (error) {
    console.warn('alert sound unavailable', error);
  }
}

// --- rendering ---

function callLabel(call, fallback) {
  if (call?.detained_individual) return `${call.detained_individual} with ${call.recipient}`;
  return `call ${call?.call ?? fallback}`;
}

function timeLeft(call) {
  if (!call.slot_end || call.state === 'ended') return '';
  const seconds = Math.round((Date.parse(call.slot_end) - (Date.now() + view.clockOffsetMs)) / 1000);
  if (seconds <= 0) return 'Slot over';
  // A booked slot is 30 minutes; longer spans are calls joined before their slot.
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function localTime(iso) {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function button(text, className, onClick) {
  const item = document.createElement('button');
  item.type = 'button';
  item.textContent = text;
  if (className) item.className = className;
  item.addEventListener('click', onClick);
  return item;
}

function render() {
  keepFocus(renderAlerts);
  keepFocus(renderCalls);
  renderPanel();
}

// Runs a render that rebuilds a list, then puts keyboard focus back on the
// same button of the same alert or call, so that an update arriving while an
// officer tabs through the list does not lose their place.
function keepFocus(renderList) {
  const focused = document.activeElement;
  const item = focused?.closest?.('[data-alert], [data-call]');
  const key = item ? { alert: item.dataset.alert, call: item.dataset.call, text: focused.textContent } : null;
  renderList();
  if (!key || document.activeElement !== document.body) return;
  const selector = key.alert ? `[data-alert="${key.alert}"]` : `[data-call="${key.call}"]`;
  const again = [...document.querySelectorAll(`${selector} button`)].find((b) => b.textContent === key.text);
  again?.focus();
}

function renderAlerts() {
  const list = element('alert-list');
  const alerts = [...view.alerts.values()].sort((a, b) => (a.decision === '') === (b.decision === '') ? b.id - a.id : (a.decision === '' ? -1 : 1));
  const open = alerts.filter((alert) => alert.decision === '').length;
  element('alert-count').textContent = open ? String(open) : '';
  element('no-alerts').hidden = alerts.length > 0;
  document.title = open ? `(${open}) Sightline console` : 'Sightline console';
  const items = alerts.map((alert) => {
    const call = view.calls.get(alert.call);
    const item = document.createElement('li');
    item.className = `alert-card${alert.decision ? ' decided' : ''}`;
    item.dataset.alert = alert.id;
    item.dataset.kind = alert.kind;
    const heading = document.createElement('h3');
    heading.textContent = KIND_LABELS[alert.kind] ?? alert.kind;
    const meta = document.createElement('p');
    meta.className = 'meta';
    const seen = alert.active ? 'still seen' : 'no longer seen';
    const decided = alert.decision ? `, ${alert.decision}` : '';
    meta.textContent = `${callLabel(call, alert.call)}: the ${ROLE_LABELS[alert.role] ?? alert.role}, ` +
      `score ${Math.round(alert.score * 100)}%, at ${localTime(alert.raised_at)} (${seen}${decided})`;
    item.append(heading, meta);
    if (!alert.decision) {
      const actions = document.createElement('div');
      actions.className = 'actions';
      actions.append(
        button('Acknowledge', '', () => decide('acknowledge', alert)),
        button('Dismiss as false alarm', 'secondary', () => decide('dismiss', alert)),
        button('Warn', 'secondary', () => {
          selectCall(alert.call);
          element('warn-reason').value = KIND_REASONS[alert.kind] ?? '';
          element('warn-reason').dispatchEvent(new Event('change'));
          element('warn').focus();
        }),
        button('End call', 'danger', () => { selectCall(alert.call); openEndDialog(KIND_REASONS[alert.kind]); }),
      );
      item.append(actions);
    }
    return item;
  });
  list.replaceChildren(...items);
}

function renderCalls() {
  const calls = [...view.calls.values()];
  const current = calls.filter((call) => call.state !== 'ended');
  const ended = calls.filter((call) => call.state === 'ended');
  element('no-calls').hidden = current.length > 0;
  element('call-table').hidden = current.length === 0;
  element('call-rows').replaceChildren(...current.map((call) => {
    const row = document.createElement('tr');
    row.dataset.call = call.call;
    row.classList.toggle('selected', view.selected === call.call);
    row.classList.toggle('has-alert', call.open_alerts > 0);
    const cells = [
      callLabel(call, call.call),
      STATE_LABELS[call.state] ?? call.state,
      call.participants.filter((p) => p.role !== 'officer')
        .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
        .map((p) => `${p.name || p.id} (${ROLE_LABELS[p.role] ?? p.role})`).join(', ') || 'None yet',
      timeLeft(call),
    ].map((text) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      return cell;
    });
    cells[1].className = `state state-${call.state}`;
    cells[3].className = 'time-left';
    const alertsCell = document.createElement('td');
    if (call.open_alerts > 0) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = String(call.open_alerts);
      badge.setAttribute('aria-label', `${call.open_alerts} open alerts`);
      alertsCell.append(badge);
    }
    const actionCell = document.createElement('td');
    actionCell.append(button(call.state === 'id-check' ? 'ID check' : 'Open', call.state === 'id-check' ? '' : 'secondary',
      () => selectCall(call.call)));
    row.append(...cells, alertsCell, actionCell);
    return row;
  }));
  element('ended-heading').hidden = ended.length === 0;
  element('ended-list').replaceChildren(...ended.map((call) => {
    const item = document.createElement('li');
    item.dataset.call = call.call;
    item.textContent = `${callLabel(call, call.call)}, ended at ${localTime(call.ended_at)} `;
    item.append(button('Open', 'secondary', () => selectCall(call.call)));
    return item;
  }));
}

function renderPanel() {
  const call = view.calls.get(view.selected);
  const panel = element('call-panel');
  if (!call) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  element('panel-heading').textContent = callLabel(call, call.call);
  const legal = call.legal ? ' Legal call.' : '';
  const endReason = call.state === 'ended' && call.end_reason ? ` (${END_LABELS[call.end_reason] ?? call.end_reason})` : '';
  const left = timeLeft(call);
  element('panel-summary').textContent = `${STATE_LABELS[call.state] ?? call.state}${endReason}.${legal}${left ? ` Time left: ${left}.` : ''}`;
  element('id-check-actions').hidden = call.state !== 'id-check';
  element('live-actions').hidden = call.state === 'id-check' || call.state === 'ended';
  element('welfare-actions').hidden = !call.booking_id;
  const checking = view.link?.call === call.call && view.link.idCheck;
  const callerPresent = call.participants.some((p) => p.role === 'caller' || p.role === 'legal-adviser');
  element('no-caller').hidden = call.state !== 'id-check' || callerPresent;
  element('start-id-check').disabled = checking || !callerPresent;
  element('confirm-id').disabled = !checking || !callerPresent;
  element('refuse-id').disabled = call.state !== 'id-check';
  const watching = view.link?.call === call.call && !view.link.idCheck;
  element('open-video').hidden = watching;
  element('close-video').hidden = !watching;
}

function selectCall(callId) {
  if (view.selected !== callId) {
    closeLink();
    setPanelStatus('');
  }
  view.selected = callId;
  render();
  element('panel-heading').focus();
}

function closePanel() {
  closeLink();
  view.selected = null;
  render();
}

function setPanelStatus(text, isError = false) {
  const status = element('panel-status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

// --- decisions ---

async function decide(type, alert) {
  const result = await request({ type, alert: alert.id });
  if (!result.ok) {
    selectCall(alert.call);
    setPanelStatus(result.error, true);
  }
}

async function sendAction(message, done) {
  const result = await request(message);
  if (result.ok) {
    setPanelStatus(done);
  } else {
    setPanelStatus(result.error, true);
  }
  return result;
}

function openEndDialog(reason) {
  const form = element('end-form');
  form.reset();
  if (reason) form.elements.reason.value = reason;
  element('end-error').textContent = '';
  element('end-dialog').showModal();
}

function wireDialog(dialogId, formId, errorId, submitValue, send) {
  const dialog = element(dialogId);
  const form = element(formId);
  form.addEventListener('submit', async (event) => {
    if (event.submitter?.value !== submitValue) return;
    event.preventDefault();
    const result = await send(form);
    if (result.ok) {
      dialog.close();
    } else {
      element(errorId).textContent = result.error;
    }
  });
}

// --- the officer's own connection to a call (ID check, or video) ---

class OfficerLink {
  constructor(callId, idCheck, localStream) {
    this.call = callId;
    this.idCheck = idCheck;
    this.localStream = localStream;
    this.media = null;
    this.remote = new MediaStream();
    element('video-area').hidden = false;
    const video = element('panel-video');
    video.srcObject = this.remote;
    // Sound only during the ID check: the relay never sends a live call's audio to officers.
    video.muted = !idCheck;
    const self = element('panel-self');
    self.hidden = !localStream;
    self.srcObject = localStream ?? null;
    this.signalling = new Signalling({
      onOpen: () => this.signalling.send({
        type: 'join', call: callId, role: 'officer',
        participant: `officer-${view.me.user}-${Math.random().toString(36).slice(2, 8)}`,
      }),
      onMessage: (message) => this.onMessage(message),
      onLost: () => this.media?.close(),
    });
    this.signalling.connect();
  }

  onMessage(message) {
    if (message.type === 'joined') {
      this.media?.close();
      this.media = new MediaSession({
        localStream: this.localStream ?? new MediaStream(),
        send: (outgoing) => this.signalling.send(outgoing),
        onRemoteTrack: (track) => this.remote.addTrack(track),
        onConnectionState: () => {},
      });
      this.media.offer().catch((error) => setPanelStatus(`Video could not start: ${error.message}`, true));
    } else if (message.type === 'answer') {
      this.media?.acceptAnswer(message.sdp);
    } else if (message.type === 'call-ended') {
      closeLink();
    } else if (message.type === 'error' && message.code === 'join-rejected') {
      setPanelStatus(message.message, true);
      closeLink();
    }
  }

  close() {
    this.signalling.close();
    this.media?.close();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    element('panel-video').srcObject = null;
    element('panel-self').srcObject = null;
    element('panel-self').hidden = true;
    element('video-area').hidden = true;
  }
}

function closeLink() {
  view.link?.close();
  view.link = null;
  renderPanel();
}

async function startIdCheck() {
  const callId = view.selected;
  closeLink();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (error) {
    setPanelStatus(`Your camera or microphone is not available: ${error.message}`, true);
    return;
  }
  view.link = new OfficerLink(callId, true, stream);
  setPanelStatus('You are connected to the caller. The detained person cannot see or hear either of you yet.');
  renderPanel();
}

// --- sign-in ---

function showSignIn(message) {
  closeLink();
  element('console-area').hidden = true;
  element('sign-out').hidden = true;
  element('sign-in-area').hidden = false;
  element('who').textContent = '';
  setConnection('Not connected', false);
  const status = element('sign-in-status');
  status.textContent = message ?? '';
  element('username').focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const status = element('sign-in-status');
  status.classList.remove('error');
  status.textContent = 'Signing in…';
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: form.elements.username.value, password: form.elements.password.value }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    status.classList.add('error');
    status.textContent = body.error ?? `Sign-in failed (${response.status}).`;
    return;
  }
  form.reset();
  status.textContent = '';
  // The sound cue needs a user gesture once; this click is one.
  view.audio ??= new AudioContext();
  connect();
}

async function signOut() {
  await fetch('/api/session', { method: 'DELETE', headers: { 'Content-Type': 'application/json' } }).catch(() => {});
  view.socket?.close();
  view.socket = null;
  showSignIn('You have signed out.');
}

function main() {
  // For tests and support: the console's state, including the officer's own media connection.
  window.sightlineConsole = view;
  element('sign-in').addEventListener('submit', signIn);
  element('sign-out').addEventListener('click', signOut);
  element('close-panel').addEventListener('click', closePanel);

  element('start-id-check').addEventListener('click', startIdCheck);
  element('confirm-id').addEventListener('click', async () => {
    const result = await sendAction({ type: 'confirm-id', call: view.selected }, 'ID confirmed. The call is live.');
    if (result.ok) closeLink();
  });

  element('refuse-id').addEventListener('click', () => {
    element('refuse-form').reset();
    element('refuse-error').textContent = '';
    element('refuse-dialog').showModal();
  });

  element('open-video').addEventListener('click', () => {
    closeLink();
    view.link = new OfficerLink(view.selected, false, null);
    setPanelStatus('Video open. Opening a call is recorded in the audit log; close it when you no longer need it.');
    renderPanel();
  });
  element('close-video').addEventListener('click', () => {
    closeLink();
    setPanelStatus('');
  });

  element('warn-reason').addEventListener('change', () => {
    const other = element('warn-reason').value === 'other';
    for (const id of ['warn-text', 'warn-text-label', 'warn-text-hint']) element(id).hidden = !other;
  });
  element('warn').addEventListener('click', async () => {
    const reason = element('warn-reason').value;
    if (!reason) {
      setPanelStatus('Choose a reason for the warning first.', true);
      element('warn-reason').focus();
      return;
    }
    const text = reason === 'other' ? element('warn-text').value.trim() : '';
    const result = await sendAction({ type: 'warn', call: view.selected, reason, text }, 'Warning sent. Both call pages show it.');
    if (result.ok) {
      element('warn-reason').value = '';
      element('warn-text').value = '';
      element('warn-reason').dispatchEvent(new Event('change'));
    }
  });

  element('end-call').addEventListener('click', () => openEndDialog());
  element('welfare').addEventListener('click', () => {
    setPanelStatus('');
    element('welfare-form').reset();
    element('welfare-error').textContent = '';
    element('welfare-dialog').showModal();
  });

  wireDialog('end-dialog', 'end-form', 'end-error', 'end', async (form) => {
    const result = await request({ type: 'end', call: view.selected, reason: form.elements.reason.value, text: form.elements.text.value.trim() });
    if (result.ok) setPanelStatus(`Call ended. Incident report ${result.incident_report} filed for the security team.`);
    return result;
  });
  wireDialog('refuse-dialog', 'refuse-form', 'refuse-error', 'refuse', async (form) => {
    const result = await request({ type: 'refuse-id', call: view.selected, reason: form.elements.reason.value, text: form.elements.text.value.trim() });
    if (result.ok) {
      closeLink();
      setPanelStatus(`ID check refused and the call ended. Incident report ${result.incident_report} filed.`);
    }
    return result;
  });
  wireDialog('welfare-dialog', 'welfare-form', 'welfare-error', 'request', async (form) => {
    const result = await request({ type: 'welfare', call: view.selected, note: form.elements.note.value.trim() });
    if (result.ok) setPanelStatus('Welfare check requested.');
    return result;
  });

  // The time left in each slot counts down between server updates. Only
  // the text changes, so that keyboard focus stays where the officer left it.
  setInterval(() => {
    for (const row of element('call-rows').children) {
      const call = view.calls.get(row.dataset.call);
      const cell = row.querySelector('.time-left');
      if (call && cell) cell.textContent = timeLeft(call);
    }
    if (view.selected && view.calls.has(view.selected)) renderPanel();
  }, 1000);
  connect();
}

main();
