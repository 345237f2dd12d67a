#include "node/cli/node_client.h"

#include <google/protobuf/util/json_util.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstdlib>

#include "node/cli/cli.h"

namespace ghost::cli {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace json = boost::json;

std::string node_url(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("GHOST_NODE"); env && *env) return env;
  return "http://127.0.0.1:26601";
}

NodeClient::NodeClient(const std::string& url) : url_(url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) fail_with(kExitUsage, "node URL " + url + " must start with http://");
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    fail_with(kExitUsage, "node URL " + url + " needs a host and a port (http://HOST:PORT)");
  host_ = rest.substr(0, colon);
  port_ = rest.substr(colon + 1);
  if (port_.find_first_not_of("0123456789") != std::string::npos) fail_with(kExitUsage, "node URL " + url + " has a bad port");
}

// Asynchronous operations on the stream, because its deadline (expires_after) bounds only
// those: a synchronous read from a peer that accepts and never answers would wait forever.
NodeClient::Reply NodeClient::request(bool post, const std::string& target, const std::string& body,
                                      std::chrono::milliseconds timeout) const {
  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
  req.set(http::field::host, host_);
  req.set(http::field::user_agent, "ghost");
  if (post) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  beast::error_code failure;
  auto fail_on = [&](beast::error_code ec) { return ec ? (failure = ec, true) : false; };
  resolver.async_resolve(host_, port_, [&](beast::error_code ec, asio::ip::tcp::resolver::results_type found) {
    if (fail_on(ec)) return;
    stream.expires_after(timeout);  // one deadline for connect, request and response
    stream.async_connect(found, [&](beast::error_code ec, const asio::ip::tcp::endpoint&) {
      if (fail_on(ec)) return;
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (fail_on(ec)) return;
        http::async_read(stream, buf, parser, [&](beast::error_code ec, size_t) { fail_on(ec); });
      });
    });
  });
  io.run();
  if (failure)
    fail_with(kExitUnreachable, "cannot reach the node at " + url_ + " (" +
                                    (failure == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                                                      : failure.message()) +
                                    "): is it running? give --node URL or set GHOST_NODE");
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  auto res = parser.release();
  Reply r;
  r.status = res.result_int();
  boost::system::error_code ec;
  r.body = json::parse(res.body(), ec);
  if (ec) r.body = json::string(res.body());
  return r;
}

NodeClient::Reply NodeClient::get(const std::string& target, std::chrono::milliseconds timeout) const {
  return request(false, target, {}, timeout);
}
NodeClient::Reply NodeClient::post(const std::string& target, const std::string& json_body,
                                   std::chrono::milliseconds timeout) const {
  return request(true, target, json_body, timeout);
}

json::value NodeClient::fetch(const std::string& target) const {
  Reply r = get(target);
  if (r.status != 200) fail_with(r.status == 404 ? kExitUsage : kExitUnreachable, api_error(r));
  return r.body;
}

uint64_t json_u64(const json::value& v) {
  if (v.is_string()) {
    const auto& s = v.as_string();
    uint64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  } else if (v.is_uint64()) {
    return v.as_uint64();
  } else if (v.is_int64() && v.as_int64() >= 0) {
    return uint64_t(v.as_int64());
  }
  fail_with(kExitUnreachable, "the node answered " + json::serialize(v) + " where a number belongs");
}

void from_api_json(const json::value& v, google::protobuf::Message& out, const std::string& what) {
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(v), &out, o).ok())
    fail_with(kExitUnreachable, "the node sent " + what + " that does not parse");
}

std::string api_error(const NodeClient::Reply& r) {
  if (r.body.is_object() && r.body.as_object().contains("error")) {
    const auto& e = r.body.at("error");
    if (e.is_object() && e.as_object().contains("code") && e.as_object().contains("message"))
      return std::string(e.at("code").as_string()) + ": " + std::string(e.at("message").as_string());
  }
  return "HTTP " + std::to_string(r.status) + ": " + json::serialize(r.body);
}

}  // namespace ghost::cli
