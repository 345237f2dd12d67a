// Error values for operations on untrusted input: every failure carries a reason.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace ghost {

struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

// Used as `return fail("index out of range");` from any function returning Result<T>.
inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace ghost
