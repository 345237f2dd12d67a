// The explorer's routes (node/explorer/explorer.h) on a real server: the page and its files
// with their types and headers, byte for byte the files in the source tree, and 404 / 405
// for everything else.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "node/explorer/explorer.h"
#include "node/explorer/files.h"
#include "tests/unit/rpc/test_client.h"
#include "tests/unit/rpc/test_server.h"

namespace ghost::explorer {
namespace {

using rpc::test::HttpClient;
using rpc::test::TestServer;

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(GHOST_SOURCE_DIR) + "/node/explorer/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ExplorerRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    add_routes(server.server);
    ASSERT_EQ(server.start(), "");
  }
  TestServer server;
};

TEST_F(ExplorerRoutes, TheRootIsThePageWithItsHeaders) {
  HttpClient c(server.port());
  auto r = c.get("/");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  const std::string csp = r.headers["content-security-policy"];
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["cache-control"], "no-cache");
  EXPECT_EQ(r.body, source_file("index.html"));
}

TEST_F(ExplorerRoutes, EveryFileTheSourceTreeHasIsServedByteForByteWithItsType) {
  const std::map<std::string, std::string> types = {{".html", "text/html; charset=utf-8"},
                                                    {".css", "text/css; charset=utf-8"},
                                                    {".js", "text/javascript; charset=utf-8"}};
  std::set<std::string> names;
  HttpClient c(server.port());
  for (const auto& f : files()) {
    names.insert(std::string(f.name));
    auto r = c.get("/explorer/" + std::string(f.name));
    ASSERT_EQ(r.error, "") << f.name;
    EXPECT_EQ(r.status, 200u) << f.name;
    EXPECT_EQ(r.headers["content-type"], types.at(std::string(f.name).substr(f.name.rfind('.')))) << f.name;
    EXPECT_FALSE(r.headers["content-security-policy"].empty()) << f.name;
    EXPECT_EQ(r.body, source_file(std::string(f.name))) << f.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"explorer.css", "explorer.js", "index.html"}));
}

// The policy allows no inline code and nothing from elsewhere: the page must need neither.
TEST_F(ExplorerRoutes, ThePageLoadsOnlyFilesTheNodeServesAndNothingInline) {
  HttpClient c(server.port());
  const std::string page = c.get("/").body;
  const std::regex ref(R"re((src|href)="([^"]*)")re");
  int local = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), ref); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[2];
    if (target.starts_with("data:") || target.starts_with("#")) continue;  // the empty favicon, a place in the page
    ASSERT_TRUE(target.starts_with("/")) << target;
    if (!target.starts_with("/explorer/")) continue;  // links to the API
    EXPECT_EQ(c.get(target).status, 200u) << target;
    ++local;
  }
  EXPECT_EQ(local, 2);  // the stylesheet and the script
  EXPECT_TRUE(std::regex_search(page, std::regex("<script[^>]* src=")));
  EXPECT_FALSE(std::regex_search(page, std::regex("<script>|<style|style=| on[a-z]+=")));
  for (const auto& f : files()) {
    EXPECT_EQ(f.bytes.find("http://"), std::string_view::npos) << f.name;
    EXPECT_EQ(f.bytes.find("https://"), std::string_view::npos) << f.name;
  }
}

TEST_F(ExplorerRoutes, UnknownPathsAre404AndOtherMethods405) {
  HttpClient c(server.port());
  for (const std::string path : {"/nothing", "/index.html", "/explorer/", "/explorer/nothing.js",
                                 "/explorer/index.htm", "/explorer/../explorer/explorer.js/", "//"}) {
    auto r = c.get(path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.headers["content-type"], "application/json") << path;
    EXPECT_TRUE(r.headers["content-security-policy"].empty()) << path;
  }
  auto post = c.request("POST", "/", "x");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.headers["allow"], "GET");
  EXPECT_EQ(c.request("PUT", "/explorer/explorer.js", "x").status, 405u);
  EXPECT_EQ(c.request("POST", "/nothing", "x").status, 404u);
}

TEST(Explorer, ServeNamesOnlyEmbeddedFiles) {
  EXPECT_EQ(serve("index.html").status, 200u);
  EXPECT_EQ(serve("").status, 404u);
  EXPECT_EQ(serve("explorer.js.map").status, 404u);
  EXPECT_EQ(serve("../CMakeLists.txt").status, 404u);
}

}  // namespace
}  // namespace ghost::explorer
