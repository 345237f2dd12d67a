// `ghost model`: build the default or a synthetic model, show a ghost file, run an inference
// locally with its ghost proof (verified), evaluate on the fashion-mnist test set.
#include <boost/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "base/file.h"
#include "ml/canonical.h"
#include "ml/ghost_file.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/serve/synthetic.h"
#include "ml/verify/ghost_proof.h"
#include "node/cli/cli.h"
#include "node/cli/model.h"
#include "node/cli/model_input.h"
#include "node/cli/print.h"
#include "proto/decode.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;



std::unique_ptr<ml::Model> open_model(const fs::path& dir, bool index, unsigned threads) {
  ml::ModelOptions opt;
  opt.use_index = index;
  opt.threads = threads;
  opt.access = ml::StoreAccess::read;  // a worker may be serving the same folder
  return need(ml::Model::open(dir, opt), "cannot open model " + dir.string() +
                                             " (build one with `ghost model build fashion-mnist --out DIR`)");
}

json::object ghost_file_object(const pb::GhostFile& g) {
  json::object o;
  o["model_id"] = ml::model_id(g).hex();
  o["ghost_file"] = json::parse(ml::ghost_file_json(g));
  json::object roots;
  for (const auto& l : g.layers())
    for (const auto& t : l.tensors()) roots[t.name()] = to_hex(as_bytes(t.root()));
  o["roots_hex"] = std::move(roots);
  return o;
}

// The owner and terms of the folder's model.ghost (`ghost model register` sets the owner):
// they are part of the model id, so the proof names the id the chain knows.
ml::GhostFileMeta registered_meta(const fs::path& dir) {
  ml::GhostFileMeta meta;
  auto f = ml::load_ghost_file(dir / kGhostFileName);
  if (!f) return meta;
  meta.owner.assign(f->owner().begin(), f->owner().end());
  meta.policy = f->update_policy();
  for (const auto& t : f->trainers()) meta.trainers.emplace_back(t.begin(), t.end());
  meta.price_floor = f->price_floor();
  return meta;
}

void print_ghost_file(const pb::GhostFile& g, bool as_json) {
  if (as_json) {
    std::cout << json::serialize(ghost_file_object(g)) << "\n";
    return;
  }
  std::cout << "model id:   " << ml::model_id(g).hex() << "\n"
            << "name:       " << g.name() << "\n"
            << "format:     " << g.format_version() << ", hash " << pb::HashFunction_Name(g.hash_function())
            << ", update policy " << pb::UpdatePolicy_Name(g.update_policy()) << ", price floor " << g.price_floor()
            << "\n";
  if (!g.owner().empty()) std::cout << "owner:      " << to_hex(as_bytes(g.owner())) << "\n";
  for (int l = 0; l < g.layers_size(); ++l) {
    const auto& layer = g.layers(l);
    std::cout << "layer " << l << ":    " << pb::LayerType_Name(layer.type()) << " d=" << layer.d()
              << " d_out=" << layer.d_out() << " n=" << layer.n() << " k=" << layer.k() << " beta=" << layer.beta()
              << " input=" << pb::InputEncoding_Name(layer.input_encoding())
              << "\n";
    if (layer.type() == pb::HOPFIELD_LOOKUP)
      std::cout << "  search:  ef=" << layer.ef() << " graph_m=" << layer.graph_m()
                << " graph_levels=" << layer.graph_levels() << " entry_point=" << layer.entry_point() << "\n";
    for (const auto& t : layer.tensors())
      std::cout << "  " << t.name() << "  " << t.leaf_count() << " leaves x " << t.leaf_floats()
                << " floats  root " << to_hex(as_bytes(t.root())) << "\n";
    for (const auto& t : layer.search_tensors())
      std::cout << "  " << t.name() << "  " << t.leaf_count() << " leaves x " << t.leaf_floats()
                << " words   root " << to_hex(as_bytes(t.root())) << "\n";
  }
}


void add_build(CLI::App& model) {
  CLI::App* build = model.add_subcommand("build", "Build a model directory (weights, search graph, model.ghost)");
  build->require_subcommand(1);
  struct Args {
    std::string out;
    uint64_t n = 0;
    unsigned threads = 0;
    ml::SyntheticParams synthetic;
  };
  auto a = std::make_shared<Args>();

  CLI::App* fashion = build->add_subcommand(
      "fashion-mnist", "The default model: one Hopfield layer over the 60,000 fashion-mnist training images");
  fashion->add_option("--out", a->out, "Directory to create (must not hold a model)")->required();
  fashion->add_option("--n", a->n, "Use only the first N training images (default: all)");
  fashion->add_option("--threads", a->threads, "Threads (default: all cores)");
  fashion->callback([a] {
    auto train = need(ml::load_fashion_train(),
                      "cannot read the fashion-mnist training set from " + ml::fashion_dir().string() +
                          " (install the Debian package dataset-fashion-mnist or set GHOST_FASHION_DIR)");
    need(ml::build_fashion_model(a->out, train, a->n, a->threads, /*progress=*/true),
         "cannot build the model (give --out a new directory)");
    finish_build(a->out, a->threads);
  });

  CLI::App* synth = build->add_subcommand("synthetic", "A random model from a seed (scale tests)");
  synth->add_option("--out", a->out, "Directory to create (must not hold a model)")->required();
  synth->add_option("--n", a->synthetic.n, "Stored patterns (columns of W_K)")->required()->check(CLI::PositiveNumber);
  synth->add_option("--d", a->synthetic.d, "Input dimension")->required()->check(CLI::PositiveNumber);
  synth->add_option("--seed", a->synthetic.seed, "Seed: same seed, same weights, same roots")->required();
  synth->add_option("--d-out", a->synthetic.d_out, "Output dimension")->capture_default_str();
  synth->add_option("--k", a->synthetic.k, "Selected set size")->capture_default_str();
  synth->add_option("--latent", a->synthetic.latent,
                    "Intrinsic dimension r of the columns (default 0: uniform on the sphere, r = d)");
  synth->add_option("--threads", a->threads, "Threads (default: all cores)");
  synth->callback([a] {
    if (a->synthetic.k > a->synthetic.n) throw CLI::ValidationError("--k", "k must be at most n");
    need(ml::build_synthetic_model(a->out, a->synthetic, a->threads, /*progress=*/true),
         "cannot build the model (give --out a new directory)");
    finish_build(a->out, a->threads);
  });
}

void add_check(CLI::App& model) {
  struct Args {
    std::string dir;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand(
      "check", "Check that a model folder's model.ghost is the one its weights, search and settings imply "
               "(exit 1 and say to rebuild when not)");
  cmd->add_option("DIR", a->dir, "Model directory")->required();
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    const pb::GhostFile g = checked_ghost_file(a->dir);
    if (a->json) {
      json::object o{{"dir", a->dir}, {"model_id", ml::model_id(g).hex()}, {"ok", true}};
      std::cout << json::serialize(o) << "\n";
    } else {
      std::cout << a->dir << ": model.ghost matches the folder (model id " << ml::model_id(g).hex() << ")\n";
    }
  });
}

void add_show(CLI::App& model) {
  struct Args {
    std::string file;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand("show", "Print a ghost file: architecture and every tensor's root");
  cmd->add_option("FILE", a->file, "A .ghost file, or a model directory (its model.ghost)")->required();
  cmd->add_flag("--json", a->json, "Print protobuf's JSON mapping, with the model id and roots in hex");
  cmd->callback([a] {
    const fs::path p = ghost_file_path(a->file);
    print_ghost_file(need(ml::load_ghost_file(p), "cannot show " + p.string()), a->json);
  });
}


ml::FashionSet load_test_set() {
  return need(ml::load_fashion_test(), "cannot read the fashion-mnist test set from " + ml::fashion_dir().string() +
                                           " (install dataset-fashion-mnist or set GHOST_FASHION_DIR)");
}

void add_infer(CLI::App& model) {
  struct Args {
    std::string dir, proof_out;
    InputArgs input;
    unsigned threads = 0;
    bool json = false, exact = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand(
      "infer", "Run one inference locally, build its ghost proof and verify it against the model's roots");
  cmd->add_option("DIR", a->dir, "Model directory")->required();
  add_input_options(*cmd, a->input);
  cmd->add_flag("--exact", a->exact, "Exact top-k by brute force instead of the canonical graph search");
  cmd->add_option("--proof-out", a->proof_out, "Also write the ghost proof (wire encoding) to this file");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    if (a->input.file.empty() && a->input.fashion < 0) fail_with(kExitUsage, "give --input FILE or --fashion-test I");
    auto m = open_model(a->dir, !a->exact, a->threads);
    const ModelInput in = read_input(a->input, m->layers());
    const Bytes& input = in.bytes;
    const int label = in.label ? int(*in.label) : -1;
    auto inf = need(m->infer(input, a->exact ? ml::Search::exact : ml::Search::graph), "inference failed");
    const ml::ModelVersion version = need(ml::model_version(ml::ghost_file_of(*m, registered_meta(a->dir))), "model");
    const Bytes raw = pb::encode(ml::make_ghost_proof(*m, version.model_id, 0, input, inf, pb::LEAVES_RAW));
    const Bytes wire = pb::encode(ml::make_ghost_proof(*m, version.model_id, 0, input, inf, ml::LeafWire::shortest()));
    const auto t0 = std::chrono::steady_clock::now();
    auto verified = ml::verify_ghost_proof_bytes(wire, version);
    const double verify_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (!verified) throw std::runtime_error("the ghost proof did not verify (a bug): " + verified.error().message);
    if (!a->proof_out.empty()) need(write_file_atomic(a->proof_out, wire), "cannot write the proof");
    const auto& out = inf.output();
    json::object o;
    o["model_id"] = version.model_id.hex();
    o["output"] = json::value_from(out);
    o["argmax"] = argmax(out);
    if (label >= 0) o["label"] = label;
    json::array layers;
    for (const auto& l : inf.layers) layers.push_back(json::value_from(l.pass.selected));
    o["selected"] = std::move(layers);
    o["proof_bytes_raw"] = raw.size();
    o["proof_bytes_wire"] = wire.size();
    o["verified"] = true;
    o["verify_us"] = verify_us;
    if (a->json) {
      std::cout << json::serialize(o) << "\n";
      return;
    }
    std::cout << "output:    ";
    for (float v : out) std::cout << v << " ";
    std::cout << "\nargmax:    " << argmax(out);
    if (label >= 0) std::cout << " (label " << label << (size_t(label) == argmax(out) ? ", correct)" : ", wrong)");
    std::cout << "\n";
    for (size_t l = 0; l < inf.layers.size(); ++l) {
      std::cout << "selected:  layer " << l << ":";
      for (uint64_t i : inf.layers[l].pass.selected) std::cout << " " << i;
      std::cout << "\n";
    }
    std::cout << "proof:     " << raw.size() << " bytes raw, " << wire.size() << " bytes on the wire ("
              << double(wire.size()) / double(raw.size()) << " x raw)\n"
              << "verified:  ok in " << verify_us << " us against model " << version.model_id.hex() << "\n";
  });
}

void add_eval(CLI::App& model) {
  struct Args {
    std::string dir;
    bool all = false, json = false;
    uint64_t limit = 0;
    unsigned threads = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand(
      "eval", "Accuracy and recall@k (canonical graph search vs exact top-k) of a fashion-mnist model over its test set");
  cmd->add_option("DIR", a->dir, "Model directory")->required();
  cmd->add_flag("--fashion-test-all", a->all, "Evaluate on the 10,000 fashion-mnist test images")->required();
  cmd->add_option("--limit", a->limit, "Only the first N test images");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    auto m = open_model(a->dir, true, a->threads);
    if (!is_fashion_model(m->layers()))
      fail_with(kExitUsage, "fashion-mnist test images need a fashion-mnist model (build one with "
                            "`ghost model build fashion-mnist --out DIR`)");
    const ml::FashionSet test = load_test_set();
    const uint64_t count = a->limit ? std::min(a->limit, test.count) : test.count;
    const ml::HopfieldSpec spec = m->layers()[0].hopfield();
    uint64_t correct = 0, found = 0, wanted = 0;
    for (uint64_t i = 0; i < count; ++i) {
      auto inf = need(m->infer(test.image(i)), "test image " + std::to_string(i));
      if (argmax(inf.output()) == test.labels[i]) ++correct;
      auto x = need(ml::query_from_input(test.image(i), spec), "test image " + std::to_string(i));
      const auto& got = inf.layers[0].pass.selected;
      uint64_t hits = 0;
      for (const auto& c : m->exact_top_k(0, x)) hits += std::ranges::binary_search(got, c.index);
      found += hits;
      wanted += got.size();
      if ((i + 1) % 100 == 0 || i + 1 == count)
        std::cerr << "\reval " << (i + 1) << "/" << count << "  accuracy " << double(correct) / double(i + 1)
                  << "  recall@" << spec.k << " " << double(found) / double(wanted) << std::flush;
    }
    std::cerr << "\n";
    const double accuracy = double(correct) / double(count), recall = double(found) / double(wanted);
    if (a->json) {
      std::cout << json::serialize(json::object{{"images", count},
                                                {"accuracy", accuracy},
                                                {"recall_at_k", recall},
                                                {"k", spec.k},
                                                {"ef", m->layers()[0].graph.ef}})
                << "\n";
    } else {
      std::cout << "images:    " << count << "\naccuracy:  " << accuracy << "\nrecall@" << spec.k << ": " << recall
                << " (graph search, ef " << m->layers()[0].graph.ef << ", vs exact top-k)\n";
    }
  });
}

void model_group(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Build, inspect and run models with their ghost files and proofs");
  model->require_subcommand(1);
  add_build(*model);
  add_show(*model);
  add_check(*model);
  add_infer(*model);
  add_eval(*model);
  add_import(*model);
  add_register(*model);
}

}  // namespace

pb::GhostFile checked_ghost_file(const fs::path& dir) {
  const pb::GhostFile file = need(ml::load_ghost_file(dir / kGhostFileName),
                                  "cannot read " + (dir / kGhostFileName).string() +
                                      " (build the folder with `ghost model build` or `ghost model import`)");
  const auto model = open_model(dir, false, 1);
  if (pb::encode(ml::ghost_file_of(*model, registered_meta(dir))) != pb::encode(file))
    throw std::runtime_error((dir / kGhostFileName).string() +
                             " is not the ghost file this folder implies (built by another version of ghost, or "
                             "edited): rebuild the folder with `ghost model build` or `ghost model import`");
  return file;
}

void finish_build(const fs::path& dir, unsigned threads) {
  auto model = open_model(dir, false, threads);
  const pb::GhostFile g = ml::ghost_file_of(*model);
  need(ml::save_ghost_file(dir / kGhostFileName, g), "cannot write the ghost file");
  std::cout << "built " << dir.string() << " (ghost file " << (dir / kGhostFileName).string() << ")\n";
  print_ghost_file(g, false);
}

GHOST_CLI_GROUP(model_group);

}  // namespace ghost::cli
