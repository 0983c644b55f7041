// One RTCPeerConnection to the relay: the page offers sendrecv audio and
// video (one m-line each, bundled), trickles its ICE candidates, and applies
// the relay's answer. The relay is ICE-lite and lists its own candidates in
// the answer, so no STUN or TURN servers are configured.

// How long ICE may stay "disconnected" before the page restarts it.
const DISCONNECTED_RESTART_MS = 4000;
const SIMULCAST_ENCODINGS = [
  { rid: 'q', scaleResolutionDownBy: 4 },
  { rid: 'h', scaleResolutionDownBy: 2 },
  { rid: 'f', scaleResolutionDownBy: 1 },
];
// Chromium drops the top layers beyond what the camera's size allows (three
// from 960x540, two from 480x270). The page lists no more than that, so the
// full-size layer is never the one dropped.
const THREE_LAYERS_MIN_PIXELS = 960 * 540;
const TWO_LAYERS_MIN_PIXELS = 480 * 270;

// Returns the encodings for the camera track: three layers for `simulcast`
// 3 whatever the size, as many as the size allows for 1. An empty list
// means one plain stream.
export function simulcastEncodings(track, simulcast) {
  if (simulcast === 3) return SIMULCAST_ENCODINGS;
  if (simulcast !== 1) return [];
  const { width = 0, height = 0 } = track.getSettings?.() ?? {};
  const pixels = width * height;
  if (pixels >= THREE_LAYERS_MIN_PIXELS) return SIMULCAST_ENCODINGS;
  if (pixels >= TWO_LAYERS_MIN_PIXELS) return SIMULCAST_ENCODINGS.slice(1);
  return [];
}

export class MediaSession {
  // send(message) sends signalling; onRemoteTrack(track) for each received
  // track; onConnectionState(state) with RTCPeerConnection.connectionState.
  // With simulcast (1 or 3, see simulcastEncodings), the camera is sent as
  // rid layers, lowest first: q at a quarter, h at half and f at full size.
  constructor({ localStream, send, onRemoteTrack, onConnectionState, simulcast = 0 }) {
    this.send = send;
    this.onConnectionState = onConnectionState;
    this.disconnectedTimer = null;
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });

    for (const kind of ['audio', 'video']) {
      const track = localStream.getTracks().find((candidate) => candidate.kind === kind);
      if (track) {
        const init = { direction: 'sendrecv', streams: [localStream] };
        const encodings = kind === 'video' ? simulcastEncodings(track, simulcast) : [];
        if (encodings.length > 0) init.sendEncodings = encodings;
        this.pc.addTransceiver(track, init);
      } else {
        this.pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }

    this.pc.addEventListener('track', (event) => onRemoteTrack(event.track));
    this.pc.addEventListener('icecandidate', (event) => this.sendCandidate(event.candidate));
    this.pc.addEventListener('connectionstatechange', () => this.handleConnectionState());
  }

  sendCandidate(candidate) {
    if (candidate && candidate.candidate) {
      this.send({ type: 'candidate', candidate: candidate.candidate, mid: candidate.sdpMid ?? '0' });
    } else if (!candidate) {
      // End of candidates: an empty candidate, as docs/signalling.md defines it.
      const mid = this.pc.getTransceivers()[0]?.mid ?? '0';
      this.send({ type: 'candidate', candidate: '', mid });
    }
  }

  handleConnectionState() {
    const state = this.pc.connectionState;
    clearTimeout(this.disconnectedTimer);
    if (state === 'failed') {
      this.restart();
    } else if (state === 'disconnected') {
      // A short network change often recovers by itself; restart only if it does not.
      this.disconnectedTimer = setTimeout(() => {
        if (this.pc.connectionState === 'disconnected') this.restart();
      }, DISCONNECTED_RESTART_MS);
    }
    this.onConnectionState(state);
  }

  // Creates and sends an offer; iceRestart gives new ICE credentials (RFC 8445 section 9).
  async offer({ iceRestart = false } = {}) {
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    this.send({ type: 'offer', sdp: this.pc.localDescription.sdp });
  }

  async acceptAnswer(sdp) {
    if (this.pc.signalingState !== 'have-local-offer') {
      console.warn(`answer ignored in signalling state ${this.pc.signalingState}`);
      return;
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  // Renegotiates with new ICE credentials; the relay replaces the transport.
  restart() {
    if (this.pc.signalingState !== 'stable' || this.pc.connectionState === 'closed') return;
    this.offer({ iceRestart: true }).catch((error) => console.warn('ICE restart failed', error));
  }

  close() {
    clearTimeout(this.disconnectedTimer);
    this.pc.close();
  }
}
