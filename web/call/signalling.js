// The signalling WebSocket at /ws (JSON messages, see docs/signalling.md),
// reopened with exponential backoff when the connection drops.

const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 15000;

export class Signalling {
  // onOpen() runs after every (re)connection, onMessage(message) for each
  // JSON message, onLost(delayMs) when the connection dropped and a retry is
  // scheduled in delayMs.
  constructor({ onOpen, onMessage, onLost }) {
    this.onOpen = onOpen;
    this.onMessage = onMessage;
    this.onLost = onLost;
    this.socket = null;
    this.retryDelayMs = FIRST_RETRY_DELAY_MS;
    this.retryTimer = null;
    this.closed = false;
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
  }

  connect() {
    if (this.closed) return;
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retryDelayMs = FIRST_RETRY_DELAY_MS;
      this.onOpen();
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.warn('signalling message is not JSON', event.data);
        return;
      }
      this.onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = null;
      this.scheduleRetry();
    });
  }

  scheduleRetry() {
    // Random jitter spreads the reconnections of many pages after a relay restart.
    const delayMs = Math.round(this.retryDelayMs * (0.75 + Math.random() * 0.5));
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    this.onLost(delayMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  // Closes the current socket and opens a new one after the backoff delay.
  reconnect() {
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    this.scheduleRetry();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  // Closes for good: no more retries.
  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close(1000, 'leaving');
    this.socket = null;
  }
}
