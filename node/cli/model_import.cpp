// `ghost model import FILE... --out DIR`: a model folder and its ghost file from weights
// exported with NumPy (.npy, .npz) or safetensors (PyTorch, JAX).
#include <iostream>
#include <memory>

#include "ml/serve/import_model.h"
#include "node/cli/cli.h"
#include "node/cli/model.h"

namespace ghost::cli {

void add_import(CLI::App& model) {
  struct Args {
    std::vector<std::string> files;
    std::string out, name = "imported";
    uint32_t k = 0;
    float beta = 0;
    std::string input;
    unsigned threads = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand(
      "import",
      "A model folder and ghost file from exported weights: arrays L<l>.W_K (n x d, one stored pattern per row), "
      "L<l>.W_V (n x d_out), or L<l>.E for an embedding first layer; a one-layer model may say W_K, W_V. "
      "Layer parameters come from arrays or safetensors metadata named L<l>.k, .beta, .input, "
      "else from the flags below");
  cmd->add_option("files", a->files, ".npy (an array named by the file), .npz or .safetensors files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Directory to create (must not hold a model)")->required();
  cmd->add_option("--name", a->name, "The model's name")->capture_default_str();
  cmd->add_option("--k", a->k, "Selected set size of each Hopfield layer (default 16)")->check(CLI::PositiveNumber);
  cmd->add_option("--beta", a->beta, "Softmax inverse temperature of each Hopfield layer")->check(CLI::PositiveNumber);
  cmd->add_option("--input", a->input, "Input encoding of the first layer: f32 (default) or u8")
      ->check(CLI::IsMember({"f32", "u8"}));
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->callback([a] {
    ml::Arrays arrays;
    std::map<std::string, std::string> metadata;
    for (const auto& f : a->files) need(ml::read_arrays(f, arrays, metadata), "cannot import");
    ml::ImportDefaults def;
    if (a->k) def.k = a->k;
    if (a->beta > 0) def.beta = a->beta;
    if (!a->input.empty()) def.encoding = a->input == "u8" ? ml::InputEncoding::u8 : ml::InputEncoding::f32;
    need(ml::import_model(a->out, a->name, arrays, metadata, def, a->threads), "cannot import");
    finish_build(a->out, a->threads);
  });
}

}  // namespace ghost::cli
