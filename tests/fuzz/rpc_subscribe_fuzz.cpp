// /subscribe messages come from anyone: parse_subscribe refuses one or returns 1 to
// kMaxTopics distinct valid topics, and a message rebuilt from them parses to the same list.
// Most inputs are edits (fuzz_seeds.h) of valid messages, so the JSON gets past the parser
// and the shape and topic checks run.
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "node/rpc/subscribe_message.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::vector<std::string> kValidMessages = {R"({"subscribe":["blocks"]})",
                                                R"({"subscribe": ["blocks", "account:gc1qq", "job:00ff"]})",
                                                R"( { "subscribe" : [ "a", "a", "b-c.d_e:9" ] } )",
                                                R"({"subscribe":["tx\u0073"]})"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto topics = rpc::parse_subscribe(fuzz::seeded_text(kValidMessages, data, size));
  if (!topics) return 0;
  check(!topics->empty() && topics->size() <= rpc::kMaxTopics);
  check(std::set<std::string>(topics->begin(), topics->end()).size() == topics->size());
  std::string again = R"({"subscribe":[)";
  for (size_t i = 0; i < topics->size(); ++i) {
    check(rpc::valid_topic((*topics)[i]));  // so it needs no escaping below
    again.append(i ? ",\"" : "\"").append((*topics)[i]).append("\"");
  }
  auto back = rpc::parse_subscribe(again + "]}");
  check(back && *back == *topics);
  return 0;
}
