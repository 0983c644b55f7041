// libvpx VP8 decoding with the picture copied out of libvpx's buffers, after
// the libvpx vpx_decoder.h and vp8dx.h documentation (libvpx 1.12).
#include "tools/media/vp8_decoder.h"

#include <cstring>

#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

namespace sightline::media {

namespace {

std::string codec_error(vpx_codec_ctx_t& codec, const char* operation) {
  std::string message = std::string(operation) + ": " + vpx_codec_error(&codec);
  if (const char* detail = vpx_codec_error_detail(&codec)) message += std::string(" (") + detail + ")";
  return message;
}

void copy_plane(const uint8_t* source, int source_stride, int width, int height, MutableByteView target) {
  for (int row = 0; row < height; ++row) {
    std::memcpy(target.data() + static_cast<size_t>(row) * width, source + static_cast<ptrdiff_t>(row) * source_stride,
                static_cast<size_t>(width));
  }
}

}  // namespace

struct Vp8Decoder::Context {
  vpx_codec_ctx_t codec{};
  bool initialised = false;
};

Vp8Decoder::Vp8Decoder() : context_(std::make_unique<Context>()) {}

Vp8Decoder::~Vp8Decoder() {
  if (context_->initialised) vpx_codec_destroy(&context_->codec);
}

std::unique_ptr<Vp8Decoder> Vp8Decoder::create(std::string& error) {
  std::unique_ptr<Vp8Decoder> decoder(new Vp8Decoder());
  vpx_codec_dec_cfg_t settings{};
  settings.threads = 1;
  if (vpx_codec_dec_init(&decoder->context_->codec, vpx_codec_vp8_dx(), &settings, 0) != VPX_CODEC_OK) {
    error = codec_error(decoder->context_->codec, "VP8 decoder initialisation failed");
    return nullptr;
  }
  decoder->context_->initialised = true;
  return decoder;
}

DecodeResult Vp8Decoder::decode(ByteView frame, I420Frame& out) {
  vpx_codec_ctx_t& codec = context_->codec;
  // An empty buffer would tell libvpx to flush, not to decode.
  if (frame.empty()) return {DecodeStatus::kError, "empty VP8 frame"};

  const vpx_codec_err_t status =
      vpx_codec_decode(&codec, frame.data(), static_cast<unsigned>(frame.size()), nullptr, 0);
  if (status != VPX_CODEC_OK && status != VPX_CODEC_CORRUPT_FRAME) {
    return {DecodeStatus::kError, codec_error(codec, "VP8 decoding failed")};
  }

  vpx_codec_iter_t iter = nullptr;
  const vpx_image_t* image = vpx_codec_get_frame(&codec, &iter);
  if (image == nullptr) return {DecodeStatus::kError, "VP8 decoder produced no picture for a " + std::to_string(frame.size()) + "-byte frame"};
  if (image->fmt != VPX_IMG_FMT_I420) return {DecodeStatus::kError, "VP8 decoder produced a non-I420 picture"};

  out.resize(static_cast<int>(image->d_w), static_cast<int>(image->d_h));
  copy_plane(image->planes[VPX_PLANE_Y], image->stride[VPX_PLANE_Y], out.width, out.height, out.y());
  copy_plane(image->planes[VPX_PLANE_U], image->stride[VPX_PLANE_U], out.chroma_width(), out.chroma_height(), out.u());
  copy_plane(image->planes[VPX_PLANE_V], image->stride[VPX_PLANE_V], out.chroma_width(), out.chroma_height(), out.v());

  int corrupted = 0;
  if (status == VPX_CODEC_CORRUPT_FRAME ||
      (vpx_codec_control(&codec, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK && corrupted != 0)) {
    return {DecodeStatus::kCorrupt, "VP8 frame decoded with errors; request a key frame"};
  }
  return {DecodeStatus::kOk, {}};
}

}  // namespace sightline::media
