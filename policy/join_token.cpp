// Join tokens, signed with HMAC-SHA256 (OpenSSL 3).
//
// Layout: "<token id>.<booking id>.<role>.<valid from>.<valid until>.<mac>",
// where the token id is 32 random hex digits, the times are Unix seconds and
// the mac is the hex HMAC-SHA256 of everything before it, dot included.
#include "policy/join_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <stdexcept>

#include "policy/compact.h"
#include "policy/opening_windows.h"
#include "policy/suspensions.h"
#include "relay/base/log.h"

namespace sightline::policy {
namespace {

constexpr size_t kTokenIdBytes = 16;
constexpr size_t kMacHexLength = 64;  // SHA-256: 32 bytes as hex
constexpr size_t kTokenFields = 6;

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0f];
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool parse_integer(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

Admission refuse(Admission admission, std::string_view detail, std::string_view token_id) {
  // The precise reason goes to the log for staff; the caller gets the code only.
  log::info("policy", "join_refused", {{"admission", to_string(admission)}, {"detail", detail}, {"token_id", token_id}});
  return admission;
}

}  // namespace

std::string_view to_string(ParticipantRole role) {
  switch (role) {
    case ParticipantRole::detained_individual: return "detained_individual";
    case ParticipantRole::recipient: return "recipient";
    case ParticipantRole::interpreter: return "interpreter";
  }
  return "unknown";
}

std::optional<ParticipantRole> parse_participant_role(std::string_view text) {
  for (ParticipantRole role :
       {ParticipantRole::detained_individual, ParticipantRole::recipient, ParticipantRole::interpreter}) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

std::string call_id_for_booking(int64_t booking_id) { return "booking-" + std::to_string(booking_id); }

std::string_view call_page_role(ParticipantRole role) {
  switch (role) {
    case ParticipantRole::detained_individual: return "terminal";
    case ParticipantRole::recipient: return "caller";
    case ParticipantRole::interpreter: return "interpreter";
  }
  return "caller";
}

std::optional<TokenClaims> read_claims(std::string_view token) {
  const auto fields = split(token, '.');
  if (fields.size() != kTokenFields) return std::nullopt;
  TokenClaims claims;
  const std::optional<ParticipantRole> role = parse_participant_role(fields[2]);
  int64_t valid_until = 0;
  if (!parse_integer(fields[1], claims.booking_id) || !role || !parse_integer(fields[4], valid_until)) return std::nullopt;
  claims.role = *role;
  claims.valid_until = UtcTime{std::chrono::seconds{valid_until}};
  return claims;
}

std::string_view to_string(Admission admission) {
  switch (admission) {
    case Admission::allowed: return "allowed";
    case Admission::invalid_token: return "invalid_token";
    case Admission::token_reused_or_expired: return "token_reused_or_expired";
    case Admission::outside_slot: return "outside_slot";
    case Admission::no_compact: return "no_compact";
    case Admission::suspended: return "suspended";
    case Admission::recipient_not_approved: return "recipient_not_approved";
  }
  return "unknown";
}

std::string_view participant_message(Admission admission) {
  switch (admission) {
    case Admission::allowed: return "You may join the call.";
    case Admission::invalid_token: return "This join link is not valid. Ask the centre for a new one.";
    case Admission::token_reused_or_expired: return "This join link has already been used or has expired.";
    case Admission::outside_slot: return "This call has not opened yet. Join up to 10 minutes before its start time.";
    case Admission::no_compact: return "This call cannot start yet. The centre will contact you.";
    case Admission::suspended: return "This call cannot take place. The centre will contact you.";
    case Admission::recipient_not_approved: return "This call is waiting for approval by the centre.";
  }
  return "This call cannot start.";
}

JoinTokens::JoinTokens(Store& store, std::vector<uint8_t> secret) : store_(store), secret_(std::move(secret)) {
  if (secret_.size() < kJoinSecretMinBytes) {
    throw std::invalid_argument("join token secret has " + std::to_string(secret_.size()) +
                                " bytes; at least 32 random bytes are required");
  }
}

std::string JoinTokens::sign(std::string_view payload) const {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
            reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), mac, &mac_size)) {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  }
  return to_hex(mac, mac_size);
}

Result<std::string> JoinTokens::issue(int64_t booking_id, ParticipantRole role) {
  auto rows = store_.query("SELECT slot_start, state FROM bookings WHERE id = ?", {booking_id});
  if (rows.empty()) return Refusal{RefusalCode::not_found, "booking " + std::to_string(booking_id) + " not found"};
  if (rows[0].text(1) != "confirmed") {
    return Refusal{RefusalCode::invalid_input, "booking " + std::to_string(booking_id) + " is not confirmed"};
  }
  const UtcTime slot_start = parse_utc(rows[0].text(0)).value_or(UtcTime{});

  uint8_t id_bytes[kTokenIdBytes];
  if (RAND_bytes(id_bytes, sizeof id_bytes) != 1) throw std::runtime_error("RAND_bytes failed in OpenSSL");
  const std::string token_id = to_hex(id_bytes, sizeof id_bytes);
  const int64_t valid_from = (slot_start - kJoinEarly).time_since_epoch().count();
  const int64_t valid_until = (slot_start + kSlotLength).time_since_epoch().count();

  const std::string payload = token_id + "." + std::to_string(booking_id) + "." + std::string(to_string(role)) + "." +
                              std::to_string(valid_from) + "." + std::to_string(valid_until);
  store_.execute("INSERT INTO join_tokens (token_id, booking_id, role) VALUES (?, ?, ?)",
                 {token_id, booking_id, std::string(to_string(role))});
  return payload + "." + sign(payload);
}

Admission JoinTokens::admit(std::string_view token, UtcTime now) {
  const auto fields = split(token, '.');
  if (fields.size() != kTokenFields || fields[5].size() != kMacHexLength) {
    return refuse(Admission::invalid_token, "malformed token", "");
  }
  const std::string_view payload = token.substr(0, token.size() - kMacHexLength - 1);
  const std::string expected = sign(payload);
  if (CRYPTO_memcmp(expected.data(), fields[5].data(), kMacHexLength) != 0) {
    return refuse(Admission::invalid_token, "signature mismatch", "");
  }

  const std::string_view token_id = fields[0];
  int64_t booking_id = 0, valid_from = 0, valid_until = 0;
  if (!parse_integer(fields[1], booking_id) || !parse_integer(fields[3], valid_from) ||
      !parse_integer(fields[4], valid_until)) {
    return refuse(Admission::invalid_token, "signed fields are not numbers", token_id);
  }
  auto rows = store_.query("SELECT booking_id, role, used_at FROM join_tokens WHERE token_id = ?", {std::string(token_id)});
  if (rows.empty() || rows[0].integer(0) != booking_id || rows[0].text(1) != fields[2]) {
    return refuse(Admission::invalid_token, "token not issued or its booking was deleted", token_id);
  }
  if (!rows[0].is_null(2)) return refuse(Admission::token_reused_or_expired, "token already used", token_id);

  const int64_t at = now.time_since_epoch().count();
  if (at >= valid_until) return refuse(Admission::token_reused_or_expired, "slot has ended", token_id);
  if (at < valid_from) return refuse(Admission::outside_slot, "too early for the slot", token_id);

  const Admission rules = check_booking(booking_id, token_id, now);
  if (rules != Admission::allowed) return rules;

  // Use the token up only when it admits someone, so that an early attempt
  // does not cost the participant their link.
  auto used = store_.query("UPDATE join_tokens SET used_at = ? WHERE token_id = ? AND used_at IS NULL RETURNING token_id",
                           {format_utc(now), std::string(token_id)});
  if (used.empty()) return refuse(Admission::token_reused_or_expired, "token used concurrently", token_id);
  log::info("policy", "join_admitted", {{"booking_id", booking_id}, {"role", fields[2]}, {"token_id", token_id}});
  return Admission::allowed;
}

Admission JoinTokens::check_booking(int64_t booking_id, std::string_view token_id, UtcTime now) {
  auto rows = store_.query(
      "SELECT b.state, b.kind, b.detained_individual_id, a.status FROM bookings b "
      "LEFT JOIN recipient_approvals a ON a.recipient_id = b.recipient_id WHERE b.id = ?", {booking_id});
  if (rows.empty()) return refuse(Admission::invalid_token, "booking deleted", token_id);
  const Row& row = rows[0];
  if (row.text(0) == "refused") return refuse(Admission::invalid_token, "booking was refused or displaced", token_id);

  const int64_t person = row.integer(2);
  if (!has_signed_compact(store_, person)) {
    return refuse(Admission::no_compact, "detained individual has no compact", token_id);
  }
  if (row.text(1) == "social" && is_suspended(store_, person, now)) {
    return refuse(Admission::suspended, "detained individual is suspended from social calls", token_id);
  }
  if (row.text(0) != "confirmed" || row.is_null(3) || row.text(3) != "approved") {
    return refuse(Admission::recipient_not_approved, "recipient not approved at risk assessment review", token_id);
  }
  return Admission::allowed;
}

namespace {

std::string ticket_hash(std::string_view ticket) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(ticket.data()), ticket.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

std::string RejoinTickets::issue(const std::string& call_id, const std::string& participant_id, UtcTime valid_until) {
  unsigned char random[24];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("no random bytes for a rejoin ticket");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string ticket;
  for (unsigned char byte : random) {
    ticket += kHex[byte >> 4];
    ticket += kHex[byte & 0x0f];
  }
  tickets_[{call_id, participant_id}] = Entry{ticket_hash(ticket), valid_until};
  return ticket;
}

bool RejoinTickets::valid(const std::string& call_id, const std::string& participant_id, std::string_view ticket,
                          UtcTime now) {
  forget_expired(now);
  const auto it = tickets_.find({call_id, participant_id});
  if (it == tickets_.end() || ticket.empty()) return false;
  const std::string hash = ticket_hash(ticket);
  return CRYPTO_memcmp(hash.data(), it->second.hash.data(), hash.size()) == 0;
}

void RejoinTickets::forget_expired(UtcTime now) {
  std::erase_if(tickets_, [now](const auto& entry) { return entry.second.valid_until <= now; });
}

}  // namespace sightline::policy
