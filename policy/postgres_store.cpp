// PostgreSQL implementation of the policy store over libpq.
#include "policy/postgres_store.h"

#include <libpq-fe.h>

#include <charconv>

#include "policy/postgres_dialect.h"
#include "policy/schema.h"
#include "relay/base/log.h"

namespace sightline::policy {
namespace {

// Type OIDs of the result columns read as integers, fixed by PostgreSQL's
// catalog (src/include/catalog/pg_type.dat); libpq ships no header for them.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kNumericOid = 1700;

// How much of a statement an error message quotes.
constexpr size_t kQuotedStatementChars = 160;

// SQLSTATE class 23 is "integrity constraint violation".
constexpr std::string_view kConstraintClass = "23";
// A parameter whose type PostgreSQL cannot infer, as in "SELECT ? IS NULL".
constexpr std::string_view kIndeterminateDatatype = "42P18";

std::string error_field(const PGresult* result, int field) {
  const char* value = result ? PQresultErrorField(result, field) : nullptr;
  return value ? value : "";
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string quoted_statement(std::string_view sql) {
  if (sql.size() <= kQuotedStatementChars) return "\"" + std::string(sql) + "\"";
  return "\"" + std::string(sql.substr(0, kQuotedStatementChars)) + "...\"";
}

std::string_view constraint_kind(std::string_view sqlstate) {
  if (sqlstate == "23505") return "unique";
  if (sqlstate == "23503") return "foreign key";
  if (sqlstate == "23502") return "not-null";
  if (sqlstate == "23514") return "check";
  if (sqlstate == "23P01") return "exclusion";
  return "integrity";
}

// Describes a failed result without its DETAIL field, which quotes the
// offending values (names, contacts) and would carry personal data into logs.
std::string describe_error(const PGresult* result, const PGconn* connection) {
  const std::string sqlstate = error_field(result, PG_DIAG_SQLSTATE);
  std::string primary = error_field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = trimmed(PQerrorMessage(connection));

  if (sqlstate.compare(0, kConstraintClass.size(), kConstraintClass) == 0) {
    const std::string table = error_field(result, PG_DIAG_TABLE_NAME);
    const std::string constraint = error_field(result, PG_DIAG_CONSTRAINT_NAME);
    std::string text(constraint_kind(sqlstate));
    text += " constraint ";
    if (!constraint.empty()) {
      text += "\"" + constraint + "\" on table " + table;
    } else {
      text += "on column " + table + "." + error_field(result, PG_DIAG_COLUMN_NAME);
    }
    return text + " violated (SQLSTATE " + sqlstate + ")";
  }
  if (sqlstate == kIndeterminateDatatype) {
    return primary + " (SQLSTATE " + sqlstate + "); give the parameter a type with CAST(? AS TEXT) or CAST(? AS INTEGER)";
  }
  if (sqlstate.empty()) return primary;
  return primary + " (SQLSTATE " + sqlstate + ")";
}

int64_t parse_integer(const char* text, int length, std::string_view column) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text, text + length, number);
  if (error != std::errc{} || end != text + length) {
    throw StoreError("column " + std::string(column) + " returned \"" + std::string(text, length) + "\", not a 64-bit integer");
  }
  return number;
}

// Maps one cell to the store's values as SQLite would type it: integers and
// booleans (0 or 1) as int64, NULL as NULL, everything else as text. A
// NUMERIC (what SUM of a BIGINT column returns) is an integer when it is one.
Value cell_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::monostate{};
  const char* text = PQgetvalue(result, row, column);
  const int length = PQgetlength(result, row, column);
  switch (PQftype(result, column)) {
    case kBoolOid:
      return int64_t{text[0] == 't' ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return parse_integer(text, length, PQfname(result, column));
    case kNumericOid: {
      int64_t number = 0;
      const auto [end, error] = std::from_chars(text, text + length, number);
      if (error == std::errc{} && end == text + length) return number;
      return std::string(text, length);
    }
    default:
      return std::string(text, length);
  }
}

// A stable 64-bit FNV-1a hash, so that every process derives the same
// advisory lock key from a schema name.
int64_t lock_key(std::string_view text) {
  constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = kOffsetBasis;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  return static_cast<int64_t>(hash);
}

void log_notice(void*, const char* message) {
  // Notices are informational ("relation already exists, skipping").
  log::debug("policy", "postgres_notice", {{"message", trimmed(message)}});
}

}  // namespace

void PostgresStore::ResultDeleter::operator()(pg_result* result) const { PQclear(result); }

std::unique_ptr<PostgresStore> PostgresStore::open(const std::string& conninfo) {
  // expand_dbname = 1 parses `conninfo` as a connection string or URL; the
  // application name shows in pg_stat_activity unless the URL sets one.
  const char* const keywords[] = {"dbname", "fallback_application_name", nullptr};
  const char* const values[] = {conninfo.c_str(), "sightline", nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, 1);
  if (connection == nullptr) throw StoreError("failed to connect to the PostgreSQL policy database: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    // libpq's message names the host and port; the URL is not repeated
    // because it may hold a password.
    const std::string message = trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    throw StoreError("failed to connect to the PostgreSQL policy database: " + message);
  }
  std::unique_ptr<PostgresStore> store(new PostgresStore(connection));
  PQsetNoticeProcessor(connection, log_notice, nullptr);
  store->configure_session();

  auto rows = store->query("SELECT current_schema()");
  if (rows.at(0).is_null(0)) {
    throw StoreError("no schema to create the policy tables in: the search_path of the PostgreSQL connection names "
                     "no existing schema");
  }
  store->schema_ = rows[0].text(0);
  store->writer_lock_key_ = lock_key("sightline policy writer: " + store->schema_);
  store->apply_migrations();
  return store;
}

PostgresStore::~PostgresStore() { PQfinish(connection_); }

void PostgresStore::configure_session() {
  // Text crosses the connection as UTF-8, whatever the server's default.
  if (PQsetClientEncoding(connection_, "UTF8") != 0) {
    throw StoreError("failed to set the PostgreSQL client encoding to UTF8: " + trimmed(PQerrorMessage(connection_)));
  }
}

void PostgresStore::fail(const pg_result* result, std::string_view context, std::string_view sql) {
  throw StoreError(std::string(context) + ": " + describe_error(result, connection_) + " in " + quoted_statement(sql));
}

void PostgresStore::reconnect_if_broken() {
  if (PQstatus(connection_) == CONNECTION_OK) return;
  if (in_transaction_) {
    throw StoreError("the connection to the PostgreSQL policy database was lost inside a transaction, which the server "
                     "has rolled back");
  }
  log::warn("policy", "postgres_reconnecting", {{"error", trimmed(PQerrorMessage(connection_))}});
  PQreset(connection_);
  // Prepared statements belong to the old session.
  statements_.clear();
  if (PQstatus(connection_) != CONNECTION_OK) {
    throw StoreError("failed to reconnect to the PostgreSQL policy database: " + trimmed(PQerrorMessage(connection_)));
  }
  configure_session();
  log::info("policy", "postgres_reconnected");
}

void PostgresStore::run_script(std::string_view sql) {
  // Only for fixed text (migrations): never for values from users. The simple
  // query protocol runs every statement in the script.
  reconnect_if_broken();
  const std::string script = translate_schema(sql);
  ResultPtr result(PQexec(connection_, script.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK && PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    fail(result.get(), "script failed", script);
  }
}

const PostgresStore::Prepared& PostgresStore::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it != statements_.end()) return it->second;

  const TranslatedStatement translated = translate_parameters(sql);
  Prepared prepared{"sightline_" + std::to_string(++next_statement_number_), translated.parameter_count};
  // No parameter types: the server infers each from its context, which
  // accepts the same loosely typed values SQLite does.
  ResultPtr result(PQprepare(connection_, prepared.name.c_str(), translated.sql.c_str(), 0, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(result.get(), "failed to prepare", translated.sql);
  return statements_.emplace(std::move(key), std::move(prepared)).first->second;
}

PostgresStore::ResultPtr PostgresStore::run(std::string_view sql, Params params) {
  reconnect_if_broken();
  const Prepared& statement = prepare(sql);
  if (static_cast<int>(params.size()) != statement.parameter_count) {
    throw StoreError("wrong parameter count for " + quoted_statement(sql) + ": expected " +
                     std::to_string(statement.parameter_count) + ", got " + std::to_string(params.size()));
  }

  // Every value goes as text; the server parses it as the inferred type.
  // `numbers` never reallocates (reserved), so its c_str() pointers stay valid.
  std::vector<std::string> numbers;
  numbers.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Value& value : params) {
    if (auto* number = std::get_if<int64_t>(&value)) {
      numbers.push_back(std::to_string(*number));
      values.push_back(numbers.back().c_str());
    } else if (auto* text = std::get_if<std::string>(&value)) {
      if (text->find('\0') != std::string::npos) {
        throw StoreError("text parameter " + std::to_string(values.size() + 1) + " of " + quoted_statement(sql) +
                         " contains a NUL byte, which PostgreSQL text cannot store");
      }
      values.push_back(text->c_str());
    } else {
      values.push_back(nullptr);
    }
  }

  ResultPtr result(PQexecPrepared(connection_, statement.name.c_str(), statement.parameter_count, values.data(), nullptr,
                                  nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result.get(), "statement failed", sql);
  return result;
}

std::vector<Row> PostgresStore::query(std::string_view sql, Params params) {
  const ResultPtr result = run(sql, params);
  const int row_count = PQntuples(result.get());
  const int column_count = PQnfields(result.get());
  std::vector<Row> rows(static_cast<size_t>(row_count));
  for (int r = 0; r < row_count; ++r) {
    rows[r].values.reserve(static_cast<size_t>(column_count));
    for (int c = 0; c < column_count; ++c) rows[r].values.push_back(cell_value(result.get(), r, c));
  }
  return rows;
}

void PostgresStore::execute(std::string_view sql, Params params) { run(sql, params); }

int64_t PostgresStore::insert(std::string_view sql, Params params) {
  auto rows = query(sql, params);
  if (rows.size() != 1 || rows[0].values.size() != 1) throw StoreError("insert returned no single id: " + quoted_statement(sql));
  return rows[0].integer(0);
}

PostgresStore::ResultPtr PostgresStore::run_command(const char* command) {
  reconnect_if_broken();
  ResultPtr result(PQexec(connection_, command));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(result.get(), "transaction command failed", command);
  return result;
}

void PostgresStore::begin() {
  run_command("BEGIN");
  in_transaction_ = true;
  try {
    execute("SELECT pg_advisory_xact_lock(?)", {writer_lock_key_});
  } catch (const StoreError&) {
    // Transaction's destructor does not run when begin() throws.
    rollback();
    throw;
  }
}

void PostgresStore::commit() {
  ResultPtr result = run_command("COMMIT");
  in_transaction_ = false;
  // COMMIT of a transaction in which a statement failed succeeds, but rolls
  // back: report it instead of letting the caller believe its writes stayed.
  if (std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
    throw StoreError("commit failed: a statement in the transaction failed earlier, so PostgreSQL rolled it back");
  }
}

void PostgresStore::rollback() noexcept {
  in_transaction_ = false;
  if (PQstatus(connection_) != CONNECTION_OK) return;
  ResultPtr result(PQexec(connection_, "ROLLBACK"));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    log::error("policy", "postgres_rollback_failed", {{"error", describe_error(result.get(), connection_)}});
  }
}

std::vector<std::string> PostgresStore::table_names() {
  // Ordered bytewise, as SQLite orders them.
  std::vector<std::string> names;
  for (const Row& row : query("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                              "ORDER BY c.relname COLLATE \"C\"")) {
    names.push_back(row.text(0));
  }
  return names;
}

std::vector<std::string> PostgresStore::column_names(std::string_view table) {
  // to_regclass returns NULL for a missing table, so it lists no columns.
  std::vector<std::string> names;
  for (const Row& row : query("SELECT attname::text FROM pg_attribute "
                              "WHERE attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) "
                              "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                              {std::string(table)})) {
    names.push_back(row.text(0));
  }
  return names;
}

int PostgresStore::schema_version() {
  auto rows = query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return static_cast<int>(rows.at(0).integer(0));
}

void PostgresStore::apply_migrations() {
  // Each migration runs in its own transaction, holding the writer lock, so
  // that two processes opening the same schema apply it once.
  for (const Migration& migration : migrations()) {
    Transaction transaction(*this);
    run_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
               "description TEXT NOT NULL, applied_at TEXT NOT NULL)");
    if (migration.version <= schema_version()) {
      transaction.commit();
      continue;
    }
    run_script(migration.sql);
    execute("INSERT INTO schema_migrations (version, description, applied_at) "
            "VALUES (?, ?, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
            {int64_t{migration.version}, std::string(migration.description)});
    transaction.commit();
    log::info("policy", "schema_migrated", {{"version", migration.version}, {"schema", schema_}});
  }
}

}  // namespace sightline::policy
