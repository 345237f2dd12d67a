// The client's HTTP requests: every failure to get an answer is "unreachable" (exit 3), and
// the timeout bounds the whole exchange, also against a peer that accepts and never answers.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "node/cli/cli.h"
#include "node/cli/node_client.h"

namespace ghost::cli {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

int exit_code_of(const std::function<void()>& fn, std::string* message) {
  try {
    fn();
  } catch (const CommandError& e) {
    *message = e.what();
    return e.code;
  }
  return 0;
}

TEST(NodeClient, ASilentPeerTimesOutAsUnreachable) {
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});  // the kernel accepts; nobody answers
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  std::string message;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exit_code_of([&] { NodeClient(url).get("/status", 300ms); }, &message), kExitUnreachable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(message.find("no answer within 300 ms"), std::string::npos) << message;
}

TEST(NodeClient, ARefusedConnectionIsUnreachable) {
  uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: connecting is refused
  std::string message;
  EXPECT_EQ(exit_code_of([&] { NodeClient("http://127.0.0.1:" + std::to_string(port)).get("/status", 2s); }, &message),
            kExitUnreachable);
  EXPECT_NE(message.find("is it running?"), std::string::npos) << message;
}

TEST(NodeClient, ABadUrlIsAUsageError) {
  std::string message;
  for (const char* url : {"https://127.0.0.1:1", "http://127.0.0.1", "http://:80", "http://h:8x"})
    EXPECT_EQ(exit_code_of([&] { NodeClient{url}; }, &message), kExitUsage) << url;
}

}  // namespace
}  // namespace ghost::cli
