// VP8 decoder over libvpx for the peer's received video: one complete
// encoded frame in, one I420 picture out.
#pragma once

#include <memory>
#include <string>

#include "relay/base/bytes.h"
#include "tools/media/i420_frame.h"

namespace sightline::media {

enum class DecodeStatus {
  kOk,
  kCorrupt,  // The frame decoded with errors, e.g. its reference was lost; show it only with care.
  kError,    // Nothing decoded: invalid bitstream or a libvpx failure.
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kError;
  std::string message;  // Empty when status is kOk.
};

class Vp8Decoder {
 public:
  // Returns nullptr and sets `error` when libvpx fails to initialise.
  static std::unique_ptr<Vp8Decoder> create(std::string& error);
  ~Vp8Decoder();
  Vp8Decoder(const Vp8Decoder&) = delete;
  Vp8Decoder& operator=(const Vp8Decoder&) = delete;

  // Decodes one complete VP8 frame and copies the picture into `out`,
  // reusing its buffer. With kCorrupt, `out` contains libvpx's best effort;
  // with kError it is unchanged.
  DecodeResult decode(ByteView frame, I420Frame& out);

 private:
  struct Context;
  Vp8Decoder();
  std::unique_ptr<Context> context_;
};

}  // namespace sightline::media
