#include "tests/load/connection.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace ghost::load {

namespace beast = boost::beast;
namespace http = beast::http;

Connection::Connection(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  host_ = rest.substr(0, rest.rfind(':'));
  port_ = rest.substr(rest.rfind(':') + 1);
}

Connection::Reply Connection::send(bool post, const std::string& target, const std::string& body, const char* ctype) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!stream_) {
        stream_.emplace(io_);
        boost::asio::ip::tcp::resolver r(io_);
        stream_->connect(r.resolve(host_, port_));
      }
      stream_->expires_after(std::chrono::seconds(60));
      http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
      req.set(http::field::host, host_);
      req.keep_alive(true);
      if (post) {
        req.set(http::field::content_type, ctype);
        req.body() = body;
        req.prepare_payload();
      }
      http::write(*stream_, req);
      beast::flat_buffer buf;
      http::response_parser<http::string_body> parser;
      parser.body_limit(256u << 20);
      http::read(*stream_, buf, parser);
      auto res = parser.release();
      if (!res.keep_alive()) stream_.reset();
      return Reply{res.result_int(), std::move(res.body())};
    } catch (const std::exception&) {
      stream_.reset();  // closed under us: one new connection, then give up
    }
  }
  return Reply{};
}

Connection::Reply Connection::get(const std::string& target) { return send(false, target, {}, nullptr); }
Connection::Reply Connection::post(const std::string& target, const std::string& body, const char* ctype) {
  return send(true, target, body, ctype);
}

boost::json::value Connection::get_json(const std::string& target) {
  auto r = get(target);
  if (r.status != 200) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

}  // namespace ghost::load
