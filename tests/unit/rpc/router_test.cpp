// Routing (node/rpc/router.h): exact and prefix patterns, longest match per method, and what
// a miss reports for 404 and 405.
#include <gtest/gtest.h>

#include "node/rpc/router.h"

namespace ghost::rpc {
namespace {

using boost::beast::http::verb;

const Handler kNone = [](const Request&, const std::string&, Reply) {};

// "pattern|param" of the match, or "allow:<methods>" for a miss.
std::string route(const Router& r, verb method, std::string_view path) {
  auto m = r.match(method, path);
  if (auto* found = std::get_if<Router::Found>(&m)) return found->pattern + "|" + found->param;
  return "allow:" + std::get<Router::Missed>(m).allow;
}

TEST(Router, ExactAndPrefixPatternsLongestWins) {
  Router r;
  r.add(verb::get, "/blocks/", kNone);
  r.add(verb::get, "/blocks/latest", kNone);
  r.add(verb::get, "/status", kNone);
  EXPECT_EQ(route(r, verb::get, "/status"), "/status|");
  EXPECT_EQ(route(r, verb::get, "/blocks/12"), "/blocks/|12");
  EXPECT_EQ(route(r, verb::get, "/blocks/"), "/blocks/|");
  EXPECT_EQ(route(r, verb::get, "/blocks/latest"), "/blocks/latest|");
  EXPECT_EQ(route(r, verb::get, "/blocks/latest/x"), "/blocks/|latest/x");
  EXPECT_EQ(route(r, verb::get, "/blocks"), "allow:");  // a prefix needs its '/'
  EXPECT_EQ(route(r, verb::get, "/statusx"), "allow:");
  EXPECT_EQ(route(r, verb::get, "/status/"), "allow:");
}

TEST(Router, TheRootIsExactNotAPrefixOfEverything) {
  Router r;
  r.add(verb::get, "/", kNone);
  r.add(verb::get, "/blocks/", kNone);
  EXPECT_EQ(route(r, verb::get, "/"), "/|");
  EXPECT_EQ(route(r, verb::get, "/blocks/3"), "/blocks/|3");
  EXPECT_EQ(route(r, verb::get, "/nothing"), "allow:");  // a 404, not the root's handler
  EXPECT_EQ(route(r, verb::post, "/nothing"), "allow:");  // nor a 405
  EXPECT_EQ(route(r, verb::post, "/"), "allow:GET");
}

TEST(Router, MethodsAreMatchedSeparately) {
  Router r;
  r.add(verb::get, "/a/", kNone);
  r.add(verb::post, "/a/b/", kNone);
  r.add(verb::post, "/txs", kNone);
  r.add(verb::get, "/txs/", kNone);
  EXPECT_EQ(route(r, verb::get, "/a/b/c"), "/a/|b/c");  // the longest pattern of this method
  EXPECT_EQ(route(r, verb::post, "/a/b/c"), "/a/b/|c");
  EXPECT_EQ(route(r, verb::put, "/a/b/c"), "allow:GET, POST");
  EXPECT_EQ(route(r, verb::post, "/txs"), "/txs|");
  EXPECT_EQ(route(r, verb::get, "/txs"), "allow:POST");
  EXPECT_EQ(route(r, verb::delete_, "/txs/ab"), "allow:GET");
  EXPECT_EQ(route(r, verb::unknown, "/txs"), "allow:POST");
}

TEST(Router, TheMatchedHandlerIsTheRegisteredOne) {
  Router r;
  int called = 0;
  std::string param_seen;
  r.add(verb::get, "/x", [&](const Request&, const std::string&, Reply) { called = 1; });
  r.add(verb::get, "/x/", [&](const Request&, const std::string& param, Reply) { called = 2, param_seen = param; });
  auto m = r.match(verb::get, "/x/7");
  std::get<Router::Found>(m).handler(Request{}, std::get<Router::Found>(m).param, nullptr);
  EXPECT_EQ(called, 2);
  EXPECT_EQ(param_seen, "7");
}

TEST(Router, RefusesBadAndRepeatedPatterns) {
  Router r;
  EXPECT_THROW(r.add(verb::get, "", kNone), std::invalid_argument);
  EXPECT_THROW(r.add(verb::get, "status", kNone), std::invalid_argument);
  r.add(verb::get, "/status", kNone);
  EXPECT_THROW(r.add(verb::get, "/status", kNone), std::invalid_argument);
  r.add(verb::post, "/status", kNone);  // another method is another route
}

}  // namespace
}  // namespace ghost::rpc
