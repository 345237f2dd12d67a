// Suite testnet, part 2: weight fetch between real processes (docs/protocol.md §6.1.1). A
// one-validator chain whose genesis registers fashion-mnist serves the folder; a second home
// runs `ghostd fetch-model`, every leaf verified against the chain's roots before it is
// journaled. The baseline, in the same run: the same bytes (every leaf, read from the same
// weight store) sent over a plain loopback TCP socket and written to a file.
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <thread>

#include "bench/bench.h"
#include "bench/process.h"
#include "base/file.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/model.h"

namespace ghost::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

json::value json_file(const fs::path& path) {
  auto bytes = must(read_file(path), "reading a result file");
  return json::parse(std::string(bytes.begin(), bytes.end()));
}

// The last JSON log line of `log` whose msg is `msg`.
json::object last_line(const fs::path& log, const std::string& msg) {
  std::ifstream in(log);
  json::object found;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (!ec && v.is_object() && v.as_object().contains("msg") && v.at("msg").as_string() == msg) found = v.as_object();
  }
  if (found.empty()) throw std::runtime_error("no \"" + msg + "\" line in " + log.string() + "\n" + log_tail(log));
  return found;
}

// MB/s of sending every leaf of the folder's store over loopback TCP into a file, timed to the
// file synced and (for the record) to its last write.
struct CopyRate {
  double synced = 0, written = 0;
};
CopyRate tcp_copy_mb_per_s(const fs::path& model_dir, const fs::path& out) {
  ml::ModelOptions o;
  o.use_index = false;
  o.access = ml::StoreAccess::read;
  auto model = must(ml::Model::open(model_dir, o), "open the served folder");
  const ml::WeightStore& store = model->store();
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint64_t received = 0;
  const auto t0 = Clock::now();
  double written_s = 0;
  bool synced = false;
  std::thread receiver([&] {
    asio::io_context rio;
    tcp::socket s(rio);
    s.connect(acceptor.local_endpoint());
    std::ofstream file(out, std::ios::binary);
    std::vector<char> buf(1 << 20);
    boost::system::error_code ec;
    for (size_t n; (n = s.read_some(asio::buffer(buf), ec)) > 0 || !ec;) {
      file.write(buf.data(), std::streamsize(n));
      received += n;
    }
    file.close();
    written_s = seconds_since(t0);
    // Durable, as the fetch's leaves are when it reports.
    const int fd = ::open(out.c_str(), O_RDONLY | O_CLOEXEC);
    synced = fd >= 0 && ::fdatasync(fd) == 0;
    if (fd >= 0) ::close(fd);
  });
  tcp::socket peer = acceptor.accept();
  std::vector<uint8_t> chunk;
  for (uint32_t t = 0; t < store.tensor_count(); ++t) {
    must(store.for_each_leaf(t, [&](uint64_t, std::span<const float> leaf) {
      const auto* p = reinterpret_cast<const uint8_t*>(leaf.data());
      chunk.insert(chunk.end(), p, p + leaf.size_bytes());
      if (chunk.size() >= (4u << 20)) asio::write(peer, asio::buffer(chunk)), chunk.clear();
    }), "read the leaves");
  }
  asio::write(peer, asio::buffer(chunk));
  peer.close();
  receiver.join();
  if (!synced) throw std::runtime_error("cannot sync " + out.string());
  return {double(received) / 1e6 / seconds_since(t0), double(received) / 1e6 / written_s};
}

void run_weight_fetch(Context& ctx) {
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  ScratchDir scratch("weight-fetch");
  const fs::path dir = scratch.path, model_dir = dir / "fashion";
  ctx.progress("building fashion-mnist (logs in " + dir.string() + ")");
  if (run_to_end({(bin / "ghost").string(), "model", "build", "fashion-mnist", "--out", model_dir.string()},
                 dir / "build.out", dir / "build.log", 1800) != 0)
    throw std::runtime_error("ghost model build fashion-mnist failed\n" + log_tail(dir / "build.log"));
  if (run_to_end({(bin / "ghost").string(), "testnet", "init", "--validators", "1", "--clients", "1", "--model",
                  model_dir.string(), "--out", (dir / "net").string(), "--base-port", std::to_string(free_port_base(2)),
                  "--json"},
                 dir / "init.json", dir / "init.log", 120) != 0)
    throw std::runtime_error("ghost testnet init failed\n" + log_tail(dir / "init.log"));
  const json::value manifest = json_file(dir / "init.json");
  const json::value& node0 = manifest.at("nodes").at(0);
  const std::string model_id(manifest.at("model").at("id").as_string());
  const fs::path home0(std::string(node0.at("home").as_string()));
  Child server({(bin / "ghostd").string(), "start", "--home", home0.string(), "--validator", "--worker.model_dirs",
                model_dir.string()},
               dir / "node0.log");
  wait_until("node0 serving the model", 300, [&] {
    std::ifstream in(dir / "node0.log");
    return std::string(std::istreambuf_iterator<char>(in), {}).find("serving weights to peers") != std::string::npos;
  }, dir / "node0.log", &server);

  const uint16_t port = free_port_base(2);
  const fs::path home1 = dir / "fetcher";
  if (run_to_end({(bin / "ghostd").string(), "init", "--home", home1.string(), "--chain-id",
                  std::string(manifest.at("chain_id").as_string()), "--genesis", (home0 / "genesis.json").string(),
                  "--insecure-unencrypted-keys", "--p2p.listen", "127.0.0.1:" + std::to_string(port), "--rpc.listen",
                  "127.0.0.1:" + std::to_string(port + 1), "--log.format", "json", "--p2p.persistent_peers",
                  std::string(node0.at("node_key").as_string()) + "@" + std::string(node0.at("p2p").as_string())},
                 dir / "init1.out", dir / "init1.log", 60) != 0)
    throw std::runtime_error("ghostd init failed\n" + log_tail(dir / "init1.log"));
  ctx.progress("fetching fashion-mnist's weights from node0");
  if (run_to_end({(bin / "ghostd").string(), "fetch-model", "--home", home1.string(), "--model", model_id, "--out",
                  (dir / "fetched").string()},
                 dir / "fetch.out", dir / "fetch.log", 1800) != 0)
    throw std::runtime_error("ghostd fetch-model failed\n" + log_tail(dir / "fetch.log"));
  const json::object done = last_line(dir / "fetch.log", "fetched");
  const double fetch_mb_s = done.at("mb_per_s").to_number<double>();
  const double total_mb = done.at("total_mb").to_number<double>();
  server.kill_now();

  ctx.progress("copying the same bytes over loopback TCP");
  const CopyRate copy = tcp_copy_mb_per_s(model_dir, dir / "copy.bin");
  ctx.report({"testnet.weight_fetch_mb_per_s", fetch_mb_s, "MB/s", "",
              "ghostd fetch-model of fashion-mnist (" + fixed(total_mb) +
                  " MB) from one peer over P2P, every leaf checked against the chain's root and journaled, "
                  "timed to the journal synced; the final index build is not timed"});
  ctx.report({"testnet.weight_fetch_vs_copy", fetch_mb_s / copy.synced, "ratio", "loopback TCP copy",
              "vs " + fixed(copy.synced) + " MB/s sending the same leaves from the same store over a plain loopback "
                  "socket into a file, synced at the end (" + fixed(copy.written) + " MB/s to its last write, unsynced: "
                  "ratio " + fixed(fetch_mb_s / copy.written, 2) + "); goal >= 0.5"});
}

void weight_fetch_suite(Context& ctx) {
  try {
    run_weight_fetch(ctx);
  } catch (...) {
    throw;  // unwinds the guards: the nodes are killed, the scratch folder removed
  }
}

}  // namespace
GHOST_BENCH_SUITE("testnet", "weight fetch: ghostd fetch-model between real processes vs a plain loopback copy",
                  weight_fetch_suite);
}  // namespace ghost::bench
