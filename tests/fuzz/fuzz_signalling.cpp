// Fuzz target: bytes as a client signalling message, through JSON decoding and
// validation. Any input must give a message or a rejection, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/control/signalling_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sightline::control::ParsedClientMessage parsed = sightline::control::parse_client_message_text(text);
  // Every rejection must carry a reason.
  if (!parsed && parsed.error.empty()) __builtin_trap();
  return 0;
}
