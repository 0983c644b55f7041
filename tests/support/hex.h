// Byte strings written as hex in tests, as RFCs print their test vectors.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sightline::test {

// Parses hex digits into bytes, skipping white space, so that vectors can be
// copied in the RFC's groups of four bytes. An odd digit count fails the test.
inline std::vector<uint8_t> from_hex(std::string_view text) {
  std::vector<uint8_t> bytes;
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<uint8_t>(high * 16 + digit));
      high = -1;
    }
  }
  EXPECT_EQ(high, -1) << "odd number of hex digits in " << text;
  return bytes;
}

}  // namespace sightline::test
