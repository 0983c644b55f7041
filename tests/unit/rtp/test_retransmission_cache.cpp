// Tests of the retransmission cache: lookups across the sequence wrap, age
// limit, and reset on a large jump.
#include "relay/rtp/retransmission_cache.h"

#include <gtest/gtest.h>

#include <array>

namespace sightline::rtp {
namespace {

std::array<uint8_t, 4> packet_for(uint16_t seq) {
  return {0x80, 0x60, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
}

TEST(RetransmissionCache, FindsAcrossWrap) {
  RetransmissionCache cache(512);
  const TimePoint now{};
  for (uint32_t i = 65500; i <= 65536 + 64; ++i) {
    const uint16_t seq = static_cast<uint16_t>(i);
    cache.store(packet_for(seq), seq, now);
  }
  const uint16_t head = 64;

  const auto last_before_wrap = cache.find(65535, now);
  ASSERT_TRUE(last_before_wrap.has_value());
  EXPECT_EQ(load_be16(last_before_wrap->data() + 2), 65535);
  const auto first_after_wrap = cache.find(0, now);
  ASSERT_TRUE(first_after_wrap.has_value());
  EXPECT_EQ(load_be16(first_after_wrap->data() + 2), 0);
  EXPECT_FALSE(cache.find(static_cast<uint16_t>(head + 1), now).has_value());
  EXPECT_FALSE(cache.find(static_cast<uint16_t>(head - 30000), now).has_value());

  // A jump of +40000 restarts the cache.
  const uint16_t jumped = static_cast<uint16_t>(head + 40000);
  cache.store(packet_for(jumped), jumped, now);
  EXPECT_EQ(cache.reset_count(), 1u);
  EXPECT_FALSE(cache.find(65535, now).has_value());
  EXPECT_FALSE(cache.find(head, now).has_value());
  const auto stored = cache.find(jumped, now);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(load_be16(stored->data() + 2), jumped);
}

TEST(RetransmissionCache, ExpiresOldEntries) {
  RetransmissionCache cache(64);
  const TimePoint start{};
  cache.store(packet_for(1), 1, start);
  EXPECT_TRUE(cache.find(1, start + milliseconds(RetransmissionCache::kNackCacheMs)).has_value());
  EXPECT_FALSE(cache.find(1, start + milliseconds(RetransmissionCache::kNackCacheMs + 1)).has_value());
}

TEST(RetransmissionCache, EvictsBeyondCapacity) {
  RetransmissionCache cache(16);
  const TimePoint now{};
  for (uint16_t seq = 0; seq < 20; ++seq) cache.store(packet_for(seq), seq, now);
  EXPECT_FALSE(cache.find(3, now).has_value());
  EXPECT_TRUE(cache.find(4, now).has_value());
  EXPECT_TRUE(cache.find(19, now).has_value());
}

TEST(RetransmissionCache, RoundsCapacityUp) {
  RetransmissionCache cache(500);
  EXPECT_EQ(cache.capacity(), 512u);
}

TEST(RetransmissionCache, SkipsOversizePacket) {
  RetransmissionCache cache(16, 8);
  const std::array<uint8_t, 9> big{};
  cache.store(big, 5, TimePoint{});
  EXPECT_EQ(cache.oversize_count(), 1u);
  EXPECT_FALSE(cache.find(5, TimePoint{}).has_value());
}

TEST(RetransmissionCache, StoresLatePacket) {
  RetransmissionCache cache(16);
  const TimePoint now{};
  cache.store(packet_for(10), 10, now);
  cache.store(packet_for(8), 8, now);
  EXPECT_TRUE(cache.find(8, now).has_value());
  EXPECT_TRUE(cache.find(10, now).has_value());
  EXPECT_FALSE(cache.find(9, now).has_value());
}

TEST(RetransmissionCache, HoldsRepeatedResends) {
  RetransmissionCache cache(64);
  const TimePoint start{};
  const Duration hold = milliseconds(100);
  cache.store(packet_for(7), 7, start);
  cache.store(packet_for(8), 8, start);

  // The first request returns the packet, and its repeats within the hold do not.
  const auto first = cache.take_for_resend(7, start + milliseconds(10), hold);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(load_be16(first->data() + 2), 7);
  EXPECT_FALSE(cache.take_for_resend(7, start + milliseconds(40), hold).has_value());
  EXPECT_FALSE(cache.take_for_resend(7, start + milliseconds(109), hold).has_value());
  EXPECT_EQ(cache.held_count(), 2u);
  // Another packet has its own hold, and find() is not held.
  EXPECT_TRUE(cache.take_for_resend(8, start + milliseconds(40), hold).has_value());
  EXPECT_TRUE(cache.find(7, start + milliseconds(50)).has_value());
  // After the hold, the copy is taken to be lost too, and is sent again.
  EXPECT_TRUE(cache.take_for_resend(7, start + milliseconds(110), hold).has_value());
  EXPECT_FALSE(cache.take_for_resend(7, start + milliseconds(150), hold).has_value());

  // A new packet in the slot starts without a hold.
  cache.store(packet_for(7 + 64), 7 + 64, start + milliseconds(160));
  EXPECT_TRUE(cache.take_for_resend(7 + 64, start + milliseconds(170), hold).has_value());
  EXPECT_EQ(cache.held_count(), 3u);
}

TEST(RetransmissionCache, KeyframeSupersedesEarlierPackets) {
  RetransmissionCache cache(64);
  const TimePoint start{};
  const Duration hold = milliseconds(100);
  for (uint16_t seq = 65530; seq != 6; ++seq) cache.store(packet_for(seq), seq, start);
  // A key frame starts at 2, across the wrap: 65530 to 1 are no longer
  // resent, 2 and the packets after it are.
  cache.mark_keyframe(2);
  EXPECT_FALSE(cache.take_for_resend(65530, start, hold).has_value());
  EXPECT_FALSE(cache.take_for_resend(1, start, hold).has_value());
  EXPECT_EQ(cache.superseded_count(), 2u);
  EXPECT_TRUE(cache.take_for_resend(2, start, hold).has_value());
  EXPECT_TRUE(cache.take_for_resend(5, start, hold).has_value());
  // A reordered packet of an older key frame does not move the mark back.
  cache.mark_keyframe(65531);
  EXPECT_FALSE(cache.take_for_resend(65532, start, hold).has_value());
  // Plain lookups are not affected.
  EXPECT_TRUE(cache.find(1, start).has_value());
  EXPECT_EQ(cache.superseded_count(), 3u);
  // A stream restart clears the mark.
  cache.store(packet_for(30000), 30000, start);
  cache.store(packet_for(29999), 29999, start);
  EXPECT_TRUE(cache.take_for_resend(29999, start, hold).has_value());
}

TEST(RetransmissionCache, ResetEmpties) {
  RetransmissionCache cache(16);
  cache.store(packet_for(1), 1, TimePoint{});
  cache.reset();
  EXPECT_FALSE(cache.find(1, TimePoint{}).has_value());
}

}  // namespace
}  // namespace sightline::rtp
