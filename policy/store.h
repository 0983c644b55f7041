// The policy store interface: parameterised SQL over a relational database.
// SQLite and PostgreSQL implement it, and the rules use only SQL that both
// accept (INSERT ... RETURNING, ON CONFLICT, ? markers).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sightline::policy {

// A bound parameter or a column value: NULL, an integer or text.
using Value = std::variant<std::monostate, int64_t, std::string>;
using Params = std::initializer_list<Value>;

struct Row {
  std::vector<Value> values;

  bool is_null(size_t column) const { return std::holds_alternative<std::monostate>(values.at(column)); }
  int64_t integer(size_t column) const;
  const std::string& text(size_t column) const;
};

// A database failure (disk full, corrupt file, a constraint the rules should
// have checked first): an operator's problem, never a rule refusal.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs one statement with `?` parameter markers, bound in order.
  virtual void execute(std::string_view sql, Params params = {}) = 0;
  virtual std::vector<Row> query(std::string_view sql, Params params = {}) = 0;
  // Runs an "INSERT ... RETURNING id" statement and returns the new id.
  virtual int64_t insert(std::string_view sql, Params params) = 0;

  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;

  // The schema as it stands, for the retention proof and diagnostics.
  virtual std::vector<std::string> table_names() = 0;
  virtual std::vector<std::string> column_names(std::string_view table) = 0;
  virtual int schema_version() = 0;
};

// Commits at commit(); rolls back when left without commit (an exception).
class Transaction {
 public:
  explicit Transaction(Store& store) : store_(store) { store_.begin(); }
  ~Transaction() {
    if (!done_) store_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    store_.commit();
    done_ = true;
  }

 private:
  Store& store_;
  bool done_ = false;
};

}  // namespace sightline::policy
