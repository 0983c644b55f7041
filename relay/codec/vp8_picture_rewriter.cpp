#include "relay/codec/vp8_picture_rewriter.h"

#include <algorithm>

namespace sightline::codec {

namespace {
constexpr uint16_t kTl0PicIdxModulo = 256;

uint16_t picture_modulus(const Vp8PayloadDescriptor& descriptor) {
  return descriptor.picture_id_16bit ? kVp8PictureId15BitModulo : kVp8PictureId7BitModulo;
}

uint16_t wrap(int64_t value, uint16_t modulus) {
  const int64_t remainder = value % modulus;
  return static_cast<uint16_t>(remainder < 0 ? remainder + modulus : remainder);
}
}  // namespace

int64_t Vp8PictureRewriter::Unwrapper::unwrap(uint16_t raw, uint16_t modulus) {
  if (!started) {
    started = true;
    newest_raw = raw;
    newest = raw;
    return newest;
  }
  // The distance from the newest value, taken as the shorter way round.
  int64_t delta = wrap(static_cast<int64_t>(raw) - newest_raw, modulus);
  if (delta >= modulus / 2) delta -= modulus;
  const int64_t value = newest + delta;
  if (delta > 0) {
    newest = value;
    newest_raw = raw;
  }
  return value;
}

void Vp8PictureRewriter::start_source(uint32_t source, const Vp8PayloadDescriptor& descriptor) {
  has_source_ = true;
  source_ = source;
  picture_in_ = Unwrapper{};
  tl0_in_ = Unwrapper{};
  newest_picture_seen_ = -1;
  if (descriptor.has_picture_id) {
    const int64_t first = picture_in_.unwrap(descriptor.picture_id, picture_modulus(descriptor));
    picture_offset_ = newest_picture_out_ < 0 ? 0 : newest_picture_out_ + 1 - first;
  }
  if (descriptor.has_tl0_pic_idx) {
    const int64_t first = tl0_in_.unwrap(descriptor.tl0_pic_idx, kTl0PicIdxModulo);
    tl0_offset_ = newest_tl0_out_ < 0 ? 0 : newest_tl0_out_ + 1 - first;
  }
}

bool Vp8PictureRewriter::rewrite(uint32_t source, MutableByteView payload, const Vp8PayloadDescriptor& descriptor) {
  if (payload.size() < descriptor.size) return false;
  if (!has_source_ || source != source_) start_source(source, descriptor);
  if (!descriptor.has_picture_id && !descriptor.has_tl0_pic_idx) return true;

  int64_t picture_out = 0;
  if (descriptor.has_picture_id) {
    const int64_t picture = picture_in_.unwrap(descriptor.picture_id, picture_modulus(descriptor));
    newest_picture_seen_ = std::max(newest_picture_seen_, picture);
    picture_out = picture + picture_offset_;
    newest_picture_out_ = std::max(newest_picture_out_, picture_out);
  }
  int64_t tl0_out = 0;
  if (descriptor.has_tl0_pic_idx) {
    tl0_out = tl0_in_.unwrap(descriptor.tl0_pic_idx, kTl0PicIdxModulo) + tl0_offset_;
    newest_tl0_out_ = std::max(newest_tl0_out_, tl0_out);
  }
  return rewrite_vp8_picture_id(payload, descriptor, wrap(picture_out, picture_modulus(descriptor)),
                                static_cast<uint8_t>(wrap(tl0_out, kTl0PicIdxModulo)));
}

void Vp8PictureRewriter::drop(uint32_t source, const Vp8PayloadDescriptor& descriptor) {
  if (!has_source_ || source != source_ || !descriptor.has_picture_id || newest_picture_seen_ < 0) return;
  const int64_t picture = picture_in_.unwrap(descriptor.picture_id, picture_modulus(descriptor));
  // Only the first packet of a new picture closes a gap; later packets of
  // the same picture, and older pictures, change nothing.
  if (picture <= newest_picture_seen_) return;
  picture_offset_ -= picture - newest_picture_seen_;
  newest_picture_seen_ = picture;
}

}  // namespace sightline::codec
