// How `ghost` prints for people: aligned tables, key/value pairs, a model's answer (class
// names and scores for fashion-mnist), progress lines on stderr.
#pragma once

#include <boost/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "ml/layers.h"
#include "proto/ghost.pb.h"

namespace ghost::cli {

// A JSON value as one cell: strings unquoted, anything else serialized.
std::string text(const boost::json::value& v);

// Prints rows as columns padded to their widest cell.
void table(const std::vector<std::vector<std::string>>& rows);

// The `keys` of `o` it has, one "key  value" row each.
void pairs(const boost::json::object& o, const std::vector<std::string>& keys);

// A 20-byte address of a record as gc1..., or "?" when it is not one.
std::string address_text(const std::string& bytes);

size_t argmax(std::span<const float> v);

// True for the shape of the default model (one Hopfield layer, 784 u8 pixels in, 10 classes
// out): its outputs are the scores of the fashion-mnist classes.
bool is_fashion_model(std::span<const ml::LayerSpec> layers);
// The name of fashion-mnist class `c` (0..9), e.g. "Ankle boot".
const char* fashion_class(size_t c);

// An answer as JSON: `output`, `argmax`, and for a fashion-mnist model `class` and `scores`
// (class name -> score).
boost::json::object answer_json(std::span<const float> output, bool fashion);
// The same for people: the scores (by class for fashion-mnist) and the answer.
void print_answer(std::span<const float> output, bool fashion);

// The roots of a model version by tensor name ("L0.W_K" -> hex), in ghost-file order.
boost::json::object roots_json(const pb::GhostFile& file, std::span<const Hash32> roots);

// One progress line on stderr: on a terminal `what` and `detail` (a height, a count) rewritten
// in place; elsewhere (a log) `what` alone, printed when it changes.
class Progress {
 public:
  void show(const std::string& what, const std::string& detail = "");
  void done();  // ends the line on a terminal

 private:
  std::string last_;
  bool tty_ = is_tty();
  static bool is_tty();
};

}  // namespace ghost::cli
