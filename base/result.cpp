#include "base/result.h"

namespace ghost {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalid: return "invalid";
    case Errc::kTooLarge: return "too_large";
    case Errc::kMismatch: return "mismatch";
    case Errc::kNotFound: return "not_found";
    case Errc::kExists: return "exists";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kIo: return "io";
    case Errc::kDenied: return "denied";
  }
  return "unknown";
}

}  // namespace ghost
