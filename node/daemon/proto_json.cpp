#include "node/daemon/proto_json.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>

namespace ghost::daemon {

boost::json::value proto_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return boost::json::parse(out);
}

}  // namespace ghost::daemon
