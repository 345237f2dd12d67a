#include "proto/decode.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <google/protobuf/stubs/logging.h>

namespace ghost::pb {

namespace {
// Protobuf logs parse problems (e.g. invalid UTF-8 in a string field) to stderr; for
// untrusted input those are ordinary rejections that decode() already reports.
const bool kQuietParseLogs = [] {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                     const std::string& message) {
    if (level >= google::protobuf::LOGLEVEL_FATAL) fprintf(stderr, "protobuf %s:%d: %s\n", file, line, message.c_str());
  });
  return true;
}();
}  // namespace

Result<void> decode(ByteSpan data, google::protobuf::MessageLite& out, size_t max_bytes) {
  if (data.size() > max_bytes)
    return fail(Errc::kTooLarge, out.GetTypeName() + " is " + std::to_string(data.size()) + " bytes, over the limit of " +
                std::to_string(max_bytes));
  google::protobuf::io::CodedInputStream in(data.data(), static_cast<int>(data.size()));
  in.SetRecursionLimit(32);
  out.Clear();
  if (!out.MergePartialFromCodedStream(&in) || !in.ConsumedEntireMessage() || !in.ExpectAtEnd())
    return fail("malformed " + out.GetTypeName() + " encoding");
  if (!out.IsInitialized()) return fail(out.GetTypeName() + " is missing required fields");
  return {};
}

Bytes encode(const google::protobuf::MessageLite& m) {
  // Straight into a buffer of the exact size: a string grown while serializing would be
  // zeroed and copied several times over (a weight range is 4 MiB).
  const size_t size = m.ByteSizeLong();
  Bytes out(size);
  {
    google::protobuf::io::ArrayOutputStream os(out.data(), static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&os);
    coded.SetSerializationDeterministic(true);
    m.SerializeWithCachedSizes(&coded);
  }
  return out;
}

}  // namespace ghost::pb
