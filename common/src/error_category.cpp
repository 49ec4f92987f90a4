#include "zabitan/common/error_category.h"

#include <algorithm>
#include <cassert>

namespace zabitan {

TableErrorCategory::TableErrorCategory(const char* name, const char* unknown,
                                       std::initializer_list<Row> rows)
    : name_(name), unknown_(unknown), rows_(rows) {
  // Tables are written in the source, not read from input: a repeated code is a typo.
  assert(std::all_of(rows_.begin(), rows_.end(), [this](const Row& row) {
    return std::count_if(rows_.begin(), rows_.end(),
                         [&row](const Row& other) { return other.code == row.code; }) == 1;
  }));
}

std::string TableErrorCategory::message(int code) const {
  // A linear search: tables hold about ten rows, and messages are read only when reported.
  auto row =
      std::find_if(rows_.begin(), rows_.end(), [code](const Row& r) { return r.code == code; });
  if (row != rows_.end()) return row->message;
  return std::string(unknown_) + " " + std::to_string(code);
}

}  // namespace zabitan
