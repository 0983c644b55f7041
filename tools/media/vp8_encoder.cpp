// libvpx VP8 encoder set up for real-time calls, after the libvpx
// vpx_encoder.h and vp8cx.h documentation (libvpx 1.12).
#include "tools/media/vp8_encoder.h"

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

namespace sightline::media {

namespace {

// Rate control buffer in milliseconds of data at the target bitrate: a small
// buffer keeps frame sizes even, so packets do not burst on the network.
constexpr unsigned kBufferInitialMs = 500;
constexpr unsigned kBufferOptimalMs = 600;
constexpr unsigned kBufferMs = 1000;
// Quantizer range 0..63; 56 caps the worst quality at low bitrates.
constexpr unsigned kMinQuantizer = 2;
constexpr unsigned kMaxQuantizer = 56;
constexpr unsigned kUndershootPercent = 100;
constexpr unsigned kOvershootPercent = 15;
// A key frame may use at most this percentage of an average frame's budget,
// so the frame after a PLI does not stall the link.
constexpr unsigned kMaxIntraBitratePercent = 900;
constexpr int kMinCpuUsed = -16;
constexpr int kMaxCpuUsed = 16;

std::string codec_error(vpx_codec_ctx_t& codec, const char* operation) {
  std::string message = std::string(operation) + ": " + vpx_codec_error(&codec);
  if (const char* detail = vpx_codec_error_detail(&codec)) message += std::string(" (") + detail + ")";
  return message;
}

std::string validate(const Vp8EncoderConfig& c) {
  if (c.width <= 0 || c.height <= 0) return "invalid VP8 encoder size " + std::to_string(c.width) + "x" + std::to_string(c.height);
  if (c.frame_rate <= 0) return "invalid VP8 encoder frame rate " + std::to_string(c.frame_rate) + ": must be positive";
  if (c.target_bitrate_kbps <= 0) {
    return "invalid VP8 target bitrate " + std::to_string(c.target_bitrate_kbps) + " kbps: must be positive";
  }
  if (c.cpu_used < kMinCpuUsed || c.cpu_used > kMaxCpuUsed) {
    return "invalid VP8 cpu_used " + std::to_string(c.cpu_used) + ": must be in -16..16";
  }
  if (c.threads <= 0) return "invalid VP8 encoder thread count " + std::to_string(c.threads) + ": must be at least 1";
  if (c.max_keyframe_interval_frames <= 0) return "invalid VP8 key frame interval: must be positive";
  if (c.temporal_layers != 1 && c.temporal_layers != 3) {
    return "invalid VP8 temporal layer count " + std::to_string(c.temporal_layers) + ": must be 1 or 3";
  }
  return {};
}

// Three temporal layers over a period of 4 frames (libvpx's vp8cx.h
// reference and update flags). LAST carries layer 0 and GOLDEN layer 1, and no
// frame uses ALTREF. Layer 0 references and updates LAST only, layer 1
// references LAST and updates GOLDEN, layer 2 references both and updates
// nothing. Layers 1 and 2 leave the entropy contexts alone, so that layer 0
// decodes by itself.
constexpr uint8_t kTemporalPattern[4] = {0, 2, 1, 2};

vpx_enc_frame_flags_t temporal_flags(uint8_t layer) {
  constexpr vpx_enc_frame_flags_t kNoAltRef = VP8_EFLAG_NO_REF_ARF | VP8_EFLAG_NO_UPD_ARF;
  switch (layer) {
    case 0: return kNoAltRef | VP8_EFLAG_NO_REF_GF | VP8_EFLAG_NO_UPD_GF;
    case 1: return kNoAltRef | VP8_EFLAG_NO_REF_GF | VP8_EFLAG_NO_UPD_LAST | VP8_EFLAG_NO_UPD_ENTROPY;
    default: return kNoAltRef | VP8_EFLAG_NO_UPD_GF | VP8_EFLAG_NO_UPD_LAST | VP8_EFLAG_NO_UPD_ENTROPY;
  }
}

}  // namespace

struct Vp8Encoder::Context {
  vpx_codec_ctx_t codec{};
  vpx_codec_enc_cfg_t settings{};
  bool initialised = false;
};

Vp8Encoder::Vp8Encoder(const Vp8EncoderConfig& config) : config_(config), context_(std::make_unique<Context>()) {}

Vp8Encoder::~Vp8Encoder() {
  if (context_->initialised) vpx_codec_destroy(&context_->codec);
}

std::unique_ptr<Vp8Encoder> Vp8Encoder::create(const Vp8EncoderConfig& config, std::string& error) {
  error = validate(config);
  if (!error.empty()) return nullptr;

  std::unique_ptr<Vp8Encoder> encoder(new Vp8Encoder(config));
  vpx_codec_enc_cfg_t& s = encoder->context_->settings;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &s, 0) != VPX_CODEC_OK) {
    error = "libvpx has no default VP8 encoder configuration";
    return nullptr;
  }
  s.g_w = static_cast<unsigned>(config.width);
  s.g_h = static_cast<unsigned>(config.height);
  s.g_threads = static_cast<unsigned>(config.threads);
  s.g_timebase = {1, kVp8TimestampHz};
  s.g_pass = VPX_RC_ONE_PASS;
  s.g_lag_in_frames = 0;  // Emit each frame as soon as it is encoded.
  s.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  s.rc_end_usage = VPX_CBR;
  s.rc_target_bitrate = static_cast<unsigned>(config.target_bitrate_kbps);
  s.rc_min_quantizer = kMinQuantizer;
  s.rc_max_quantizer = kMaxQuantizer;
  s.rc_undershoot_pct = kUndershootPercent;
  s.rc_overshoot_pct = kOvershootPercent;
  s.rc_buf_initial_sz = kBufferInitialMs;
  s.rc_buf_optimal_sz = kBufferOptimalMs;
  s.rc_buf_sz = kBufferMs;
  s.rc_dropframe_thresh = 0;  // Never drop frames, so every source frame is sent.
  s.kf_mode = VPX_KF_AUTO;
  s.kf_min_dist = 0;
  s.kf_max_dist = static_cast<unsigned>(config.max_keyframe_interval_frames);
  if (config.temporal_layers == 3) {
    // Layer 0 gets 40% of the bitrate, layers 0 and 1 together 60%, as in
    // Chromium's split for three layers.
    s.ts_number_layers = 3;
    s.ts_periodicity = 4;
    for (unsigned i = 0; i < 4; ++i) s.ts_layer_id[i] = kTemporalPattern[i];
    s.ts_rate_decimator[0] = 4;
    s.ts_rate_decimator[1] = 2;
    s.ts_rate_decimator[2] = 1;
    const unsigned kbps = static_cast<unsigned>(config.target_bitrate_kbps);
    s.ts_target_bitrate[0] = kbps * 4 / 10;
    s.ts_target_bitrate[1] = kbps * 6 / 10;
    s.ts_target_bitrate[2] = kbps;
  }

  vpx_codec_ctx_t& codec = encoder->context_->codec;
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &s, 0) != VPX_CODEC_OK) {
    error = codec_error(codec, "VP8 encoder initialisation failed");
    return nullptr;
  }
  encoder->context_->initialised = true;

  if (vpx_codec_control(&codec, VP8E_SET_CPUUSED, config.cpu_used) != VPX_CODEC_OK ||
      vpx_codec_control(&codec, VP8E_SET_NOISE_SENSITIVITY, 0) != VPX_CODEC_OK ||
      vpx_codec_control(&codec, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION) != VPX_CODEC_OK ||
      vpx_codec_control(&codec, VP8E_SET_MAX_INTRA_BITRATE_PCT, kMaxIntraBitratePercent) != VPX_CODEC_OK) {
    error = codec_error(codec, "VP8 encoder control failed");
    return nullptr;
  }
  return encoder;
}

bool Vp8Encoder::encode(const I420Frame& frame, int64_t pts, std::vector<EncodedFrame>& out) {
  if (frame.width != config_.width || frame.height != config_.height || frame.data.size() != frame.total_size()) {
    last_error_ = "VP8 encoder input is " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                  ", expected " + std::to_string(config_.width) + "x" + std::to_string(config_.height);
    out.clear();
    return false;
  }

  // libvpx reads the planes in place; the image only points into `frame`.
  vpx_image_t image;
  vpx_img_wrap(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(frame.width), static_cast<unsigned>(frame.height), 1,
               const_cast<uint8_t*>(frame.data.data()));
  image.planes[VPX_PLANE_Y] = const_cast<uint8_t*>(frame.y().data());
  image.planes[VPX_PLANE_U] = const_cast<uint8_t*>(frame.u().data());
  image.planes[VPX_PLANE_V] = const_cast<uint8_t*>(frame.v().data());
  image.stride[VPX_PLANE_Y] = frame.width;
  image.stride[VPX_PLANE_U] = frame.chroma_width();
  image.stride[VPX_PLANE_V] = frame.chroma_width();

  vpx_enc_frame_flags_t flags = keyframe_requested_ ? VPX_EFLAG_FORCE_KF : 0;
  const unsigned long duration = static_cast<unsigned long>(kVp8TimestampHz / config_.frame_rate);
  vpx_codec_ctx_t& codec = context_->codec;
  uint8_t layer = 0;
  if (config_.temporal_layers == 3) {
    layer = kTemporalPattern[frame_count_ % 4];
    flags |= temporal_flags(layer);
    int layer_id = layer;
    if (vpx_codec_control(&codec, VP8E_SET_TEMPORAL_LAYER_ID, layer_id) != VPX_CODEC_OK) {
      last_error_ = codec_error(codec, "VP8 temporal layer choice failed");
      out.clear();
      return false;
    }
  }
  ++frame_count_;
  if (vpx_codec_encode(&codec, &image, pts, duration, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
    last_error_ = codec_error(codec, "VP8 encoding failed");
    out.clear();
    return false;
  }
  keyframe_requested_ = false;

  vpx_codec_iter_t iter = nullptr;
  size_t count = 0;
  while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(&codec, &iter)) {
    if (packet->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    if (out.size() <= count) out.emplace_back();
    EncodedFrame& encoded = out[count++];
    const auto* bytes = static_cast<const uint8_t*>(packet->data.frame.buf);
    encoded.bytes.assign(bytes, bytes + packet->data.frame.sz);
    encoded.keyframe = (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    encoded.pts = packet->data.frame.pts;
    // A key frame starts every layer afresh; a layer 1 frame references
    // only LAST, which layer 0 alone updates.
    encoded.temporal_layer = layer;
    encoded.layer_sync = encoded.keyframe || layer == 1;
  }
  out.resize(count);
  return true;
}

bool Vp8Encoder::set_target_bitrate(int kbps) {
  if (kbps <= 0) {
    last_error_ = "invalid VP8 target bitrate " + std::to_string(kbps) + " kbps: must be positive";
    return false;
  }
  context_->settings.rc_target_bitrate = static_cast<unsigned>(kbps);
  if (vpx_codec_enc_config_set(&context_->codec, &context_->settings) != VPX_CODEC_OK) {
    last_error_ = codec_error(context_->codec, "VP8 bitrate change failed");
    return false;
  }
  config_.target_bitrate_kbps = kbps;
  return true;
}

}  // namespace sightline::media
