// The PostgreSQL policy store, for a service that outgrows one machine: the
// same statements and migrations as the SQLite store, translated at run time,
// over one libpq connection with prepared statements cached by SQL text.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "policy/store.h"

struct pg_conn;
struct pg_result;

namespace sightline::policy {

class PostgresStore final : public Store {
 public:
  // Connects with a libpq connection string or URL (postgresql://...) and
  // applies any migration not yet recorded, in the first schema on the
  // connection's search_path. Throws StoreError.
  static std::unique_ptr<PostgresStore> open(const std::string& conninfo);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  void execute(std::string_view sql, Params params = {}) override;
  std::vector<Row> query(std::string_view sql, Params params = {}) override;
  int64_t insert(std::string_view sql, Params params) override;
  // Like SQLite's BEGIN IMMEDIATE, begin() makes writers take turns: it takes
  // a transaction-scoped advisory lock for this schema, so that the rules'
  // check-then-insert steps see no concurrent writer.
  void begin() override;
  void commit() override;
  // Never throws, because Transaction calls it from a destructor. A rollback
  // that fails leaves nothing behind: the server ends the transaction when
  // the connection breaks.
  void rollback() noexcept override;
  std::vector<std::string> table_names() override;
  std::vector<std::string> column_names(std::string_view table) override;
  int schema_version() override;

  // The schema the tables live in.
  const std::string& schema() const { return schema_; }

 private:
  struct Prepared {
    std::string name;
    int parameter_count;
  };
  struct ResultDeleter {
    void operator()(pg_result* result) const;
  };
  using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

  explicit PostgresStore(pg_conn* connection) : connection_(connection) {}
  void configure_session();
  void apply_migrations();
  void run_script(std::string_view sql);
  void reconnect_if_broken();
  const Prepared& prepare(std::string_view sql);
  ResultPtr run(std::string_view sql, Params params);
  ResultPtr run_command(const char* command);
  [[noreturn]] void fail(const pg_result* result, std::string_view context, std::string_view sql);

  pg_conn* connection_;
  std::string schema_;
  int64_t writer_lock_key_ = 0;
  bool in_transaction_ = false;
  int next_statement_number_ = 0;
  std::unordered_map<std::string, Prepared> statements_;
};

}  // namespace sightline::policy
