// Records as the API prints them: protobuf's JSON mapping with the proto field names and every
// field printed (64-bit integers as decimal strings, bytes as base64; docs/protocol.md §6.6).
#pragma once

#include <google/protobuf/message.h>

#include <boost/json/value.hpp>

namespace ghost::daemon {

boost::json::value proto_json(const google::protobuf::Message& m);

}  // namespace ghost::daemon
