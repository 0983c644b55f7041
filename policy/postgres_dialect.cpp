// SQLite-to-PostgreSQL translation over a small tokenizer that finds where
// literals, quoted identifiers and comments begin and end.
#include "policy/postgres_dialect.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

namespace sightline::policy {
namespace {

enum class TokenKind { word, quoted_identifier, string_literal, comment, space, marker, symbol };

struct Token {
  TokenKind kind;
  std::string_view text;
};

// The UTC text form the store keeps instants in (format_utc), as SQLite and
// PostgreSQL each compute it for "now".
constexpr std::string_view kSqliteUtcNow = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
constexpr std::string_view kPostgresUtcNow = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

bool is_word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Returns the end of a quoted run starting at `start`, where a doubled quote
// character is an escaped quote. An unterminated run ends with the text.
size_t quoted_end(std::string_view sql, size_t start, char quote) {
  size_t i = start + 1;
  while (i < sql.size()) {
    if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return sql.size();
}

// Returns the end of a PostgreSQL dollar-quoted string ($$...$$ or
// $tag$...$tag$) starting at `start`, or 0 when `start` opens none (as in $1).
size_t dollar_quoted_end(std::string_view sql, size_t start) {
  size_t tag_end = start + 1;
  if (tag_end < sql.size() && is_word_start(sql[tag_end])) {
    while (tag_end < sql.size() && is_word_char(sql[tag_end]) && sql[tag_end] != '$') ++tag_end;
  }
  if (tag_end >= sql.size() || sql[tag_end] != '$') return 0;
  const std::string_view delimiter = sql.substr(start, tag_end - start + 1);
  const size_t close = sql.find(delimiter, tag_end + 1);
  return close == std::string_view::npos ? sql.size() : close + delimiter.size();
}

size_t token_end(std::string_view sql, size_t start, TokenKind& kind) {
  const char c = sql[start];
  if (c == '$') {
    if (const size_t end = dollar_quoted_end(sql, start); end != 0) {
      kind = TokenKind::string_literal;
      return end;
    }
  }
  if (c == '\'') {
    kind = TokenKind::string_literal;
    return quoted_end(sql, start, '\'');
  }
  if (c == '"') {
    kind = TokenKind::quoted_identifier;
    return quoted_end(sql, start, '"');
  }
  if (c == '-' && sql.substr(start, 2) == "--") {
    kind = TokenKind::comment;
    const size_t newline = sql.find('\n', start);
    return newline == std::string_view::npos ? sql.size() : newline;
  }
  if (c == '/' && sql.substr(start, 2) == "/*") {
    kind = TokenKind::comment;
    const size_t close = sql.find("*/", start + 2);
    return close == std::string_view::npos ? sql.size() : close + 2;
  }
  size_t i = start + 1;
  if (std::isspace(static_cast<unsigned char>(c))) {
    kind = TokenKind::space;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  } else if (c == '?') {
    kind = TokenKind::marker;
    while (i < sql.size() && is_digit(sql[i])) ++i;
  } else if (is_word_start(c) || is_digit(c)) {
    kind = TokenKind::word;
    while (i < sql.size() && is_word_char(sql[i])) ++i;
  } else {
    kind = TokenKind::symbol;
  }
  return i;
}

std::vector<Token> tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  size_t start = 0;
  while (start < sql.size()) {
    TokenKind kind;
    const size_t end = token_end(sql, start, kind);
    tokens.push_back({kind, sql.substr(start, end - start)});
    start = end;
  }
  return tokens;
}

bool is_significant(const Token& token) { return token.kind != TokenKind::space && token.kind != TokenKind::comment; }

// The index of the next token after `index` that is not space or a comment,
// or tokens.size().
size_t next_significant(const std::vector<Token>& tokens, size_t index) {
  size_t i = index + 1;
  while (i < tokens.size() && !is_significant(tokens[i])) ++i;
  return i;
}

bool word_at(const std::vector<Token>& tokens, size_t index, std::string_view word) {
  return index < tokens.size() && tokens[index].kind == TokenKind::word && equals_ignoring_case(tokens[index].text, word);
}

// A TEXT type in a column definition follows the column name; after AS it is
// a cast target, where PostgreSQL accepts no COLLATE.
bool follows_column_name(const Token* previous) {
  if (previous == nullptr) return false;
  if (previous->kind == TokenKind::quoted_identifier) return true;
  return previous->kind == TokenKind::word && !equals_ignoring_case(previous->text, "AS");
}

// Translates the word at `index` into `out` and returns the index of the
// last token it consumed.
size_t translate_word(const std::vector<Token>& tokens, size_t index, const Token* previous, std::string& out) {
  const std::string_view word = tokens[index].text;
  if (equals_ignoring_case(word, "INTEGER")) {
    const size_t primary = next_significant(tokens, index);
    const size_t key = next_significant(tokens, primary);
    if (word_at(tokens, primary, "PRIMARY") && word_at(tokens, key, "KEY")) {
      // NOTE: an identity column does not advance past ids inserted
      // explicitly, as SQLite's rowid does, so a table that mixes explicit
      // and generated ids gets duplicate-key errors on PostgreSQL.
      out += "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
      const size_t autoincrement = next_significant(tokens, key);
      return word_at(tokens, autoincrement, "AUTOINCREMENT") ? autoincrement : key;
    }
    out += "BIGINT";
  } else if (equals_ignoring_case(word, "INT")) {
    out += "BIGINT";
  } else if (equals_ignoring_case(word, "AUTOINCREMENT")) {
    // Identity columns already never reuse ids.
  } else if (equals_ignoring_case(word, "REAL")) {
    out += "DOUBLE PRECISION";
  } else if (equals_ignoring_case(word, "BLOB")) {
    out += "BYTEA";
  } else if (equals_ignoring_case(word, "TEXT") && follows_column_name(previous) &&
             !word_at(tokens, next_significant(tokens, index), "COLLATE")) {
    out += word;
    out += " COLLATE \"C\"";
  } else if (equals_ignoring_case(word, "WITHOUT") && word_at(tokens, next_significant(tokens, index), "ROWID")) {
    return next_significant(tokens, index);
  } else {
    out += word;
  }
  return index;
}

}  // namespace

TranslatedStatement translate_parameters(std::string_view sql) {
  TranslatedStatement translated;
  translated.sql.reserve(sql.size() + 16);
  for (const Token& token : tokenize(sql)) {
    if (token.kind != TokenKind::marker) {
      translated.sql += token.text;
      continue;
    }
    int number = translated.parameter_count + 1;
    if (token.text.size() > 1) {
      // A number too large for int saturates, and the parameter count check
      // then rejects the statement.
      const std::string_view digits = token.text.substr(1);
      if (std::from_chars(digits.data(), digits.data() + digits.size(), number).ec != std::errc{}) {
        number = std::numeric_limits<int>::max();
      }
    }
    translated.parameter_count = std::max(translated.parameter_count, number);
    translated.sql += '$';
    translated.sql += std::to_string(number);
  }
  return translated;
}

std::string translate_schema(std::string_view sql) {
  const std::vector<Token> tokens = tokenize(sql);
  std::string out;
  out.reserve(sql.size() + sql.size() / 4);
  const Token* previous = nullptr;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (token.kind != TokenKind::word) {
      out += token.text;
      if (is_significant(token)) previous = &token;
      continue;
    }

    // The UTC "now" call spans several tokens: match it on the raw text.
    const size_t offset = static_cast<size_t>(token.text.data() - sql.data());
    const std::string_view rest = sql.substr(offset);
    if (rest.size() >= kSqliteUtcNow.size() && equals_ignoring_case(rest.substr(0, kSqliteUtcNow.size()), kSqliteUtcNow)) {
      out += kPostgresUtcNow;
      const char* end = rest.data() + kSqliteUtcNow.size();
      while (i + 1 < tokens.size() && tokens[i + 1].text.data() < end) ++i;
      previous = &tokens[i];
      continue;
    }

    i = translate_word(tokens, i, previous, out);
    previous = &tokens[i];
  }
  return out;
}

}  // namespace sightline::policy
