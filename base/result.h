// Error values for operations on untrusted input and on files: every failure carries a code
// that programs branch on and a message for people.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace ghost {

enum class Errc : uint8_t {
  kInvalid = 1,  // the input breaks a rule: malformed, out of range, wrong shape
  kTooLarge,     // the input is over a size limit (checked before it is parsed)
  kMismatch,     // well formed, but not what it must match: a root, a hash, a chain, a version
  kNotFound,     // what was asked for does not exist
  kExists,       // refused because it already exists (never overwritten)
  kCorrupt,      // stored data is damaged; guessing around it could be unsafe
  kIo,           // the operating system refused a read, write or sync
  kDenied,       // a safety rule refused it: wrong passphrase, a second signature, an unencrypted key
};

std::string_view errc_name(Errc code);

struct Error {
  Errc code = Errc::kInvalid;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

// Used as `return fail("index out of range");` (kInvalid) or `return fail(Errc::kIo, ...)`.
inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{Errc::kInvalid, std::move(message)});
}
inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}
// The same code with context in front of the message ("weights/L0.W_K: " + ...).
inline std::unexpected<Error> fail(const Error& cause, std::string_view context) {
  return std::unexpected<Error>(Error{cause.code, std::string(context) + cause.message});
}

}  // namespace ghost
