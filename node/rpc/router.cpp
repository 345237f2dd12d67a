#include "node/rpc/router.h"

#include <set>
#include <stdexcept>

namespace ghost::rpc {
namespace {

// "/" is exact: as a prefix it would take every path that nothing else matches.
bool matches(const std::string& pattern, std::string_view path) {
  return pattern == path || (pattern.size() > 1 && pattern.back() == '/' && path.starts_with(pattern));
}

}  // namespace

void Router::add(boost::beast::http::verb method, std::string pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  for (const auto& r : routes_)
    if (r.method == method && r.pattern == pattern) throw std::invalid_argument("route registered twice: " + pattern);
  routes_.push_back({method, std::move(pattern), std::move(handler)});
}

std::variant<Router::Found, Router::Missed> Router::match(boost::beast::http::verb method, std::string_view path) const {
  const Route* best = nullptr;
  std::set<boost::beast::http::verb> other_methods;
  for (const auto& r : routes_) {
    if (!matches(r.pattern, path)) continue;
    if (r.method != method) other_methods.insert(r.method);
    else if (!best || r.pattern.size() > best->pattern.size()) best = &r;
  }
  if (best) return Found{best->handler, best->pattern, std::string(path.substr(best->pattern.size()))};
  std::string allow;
  for (auto m : other_methods) allow += (allow.empty() ? "" : ", ") + std::string(boost::beast::http::to_string(m));
  return Missed{std::move(allow)};
}

}  // namespace ghost::rpc
