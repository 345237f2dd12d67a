#include "node/cli/print.h"

#include <unistd.h>

#include <iomanip>
#include <iostream>

#include "crypto/keys.h"
#include "ml/serve/fashion_mnist.h"

namespace ghost::cli {

namespace json = boost::json;

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

void table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c)
      std::cout << (c + 1 < r.size() ? std::string(r[c]) + std::string(width[c] - r[c].size() + 2, ' ') : r[c]);
    std::cout << "\n";
  }
}

void pairs(const json::object& o, const std::vector<std::string>& keys) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : keys)
    if (o.contains(k)) rows.push_back({k, text(o.at(k))});
  table(rows);
}

std::string address_text(const std::string& bytes) {
  auto a = Address::from_bytes(as_bytes(bytes));
  return a ? a->str() : "?";
}

size_t argmax(std::span<const float> v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

bool is_fashion_model(std::span<const ml::LayerSpec> l) {
  return l.size() == 1 && l[0].type == ml::LayerType::hopfield && l[0].d == ml::kFashionPixels &&
         l[0].encoding == ml::InputEncoding::u8 && l[0].d_out == ml::kFashionClasses;
}

const char* fashion_class(size_t c) {
  static constexpr const char* kNames[ml::kFashionClasses] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return c < ml::kFashionClasses ? kNames[c] : "?";
}

json::object answer_json(std::span<const float> output, bool fashion) {
  json::object o;
  o["output"] = json::value_from(std::vector<float>(output.begin(), output.end()));
  o["argmax"] = argmax(output);
  if (fashion) {
    o["class"] = fashion_class(argmax(output));
    json::object scores;
    for (size_t c = 0; c < output.size(); ++c) scores[fashion_class(c)] = output[c];
    o["scores"] = std::move(scores);
  }
  return o;
}

void print_answer(std::span<const float> output, bool fashion) {
  const size_t best = argmax(output);
  if (fashion) {
    std::cout << "answer:    " << fashion_class(best) << " (class " << best << ")\nscores:\n";
    for (size_t c = 0; c < output.size(); ++c)
      std::cout << "  " << std::left << std::setw(12) << fashion_class(c) << std::right << std::fixed
                << std::setprecision(4) << output[c] << (c == best ? "  <-" : "") << "\n";
    std::cout.unsetf(std::ios::floatfield);
    std::cout << std::setprecision(6);
    return;
  }
  std::cout << "output:    ";
  for (float v : output) std::cout << v << " ";
  std::cout << "\nargmax:    " << best << "\n";
}

json::object roots_json(const pb::GhostFile& file, std::span<const Hash32> roots) {
  json::object o;
  size_t i = 0;
  for (const auto& l : file.layers())
    for (const auto& t : l.tensors())
      if (i < roots.size()) o[t.name()] = roots[i++].hex();
  return o;
}

bool Progress::is_tty() { return isatty(STDERR_FILENO) == 1; }

void Progress::show(const std::string& what, const std::string& detail) {
  const std::string line = tty_ ? what + detail : what;
  if (line == last_) return;
  if (tty_) std::cerr << "\r\033[K" << line << std::flush;
  else std::cerr << line << std::endl;
  last_ = line;
}

void Progress::done() {
  if (tty_ && !last_.empty()) std::cerr << "\n";
  last_.clear();
}

}  // namespace ghost::cli
