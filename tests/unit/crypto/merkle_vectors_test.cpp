// Agreement with the independent implementation's vectors in tests/vectors/merkle.json.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "crypto/merkle.h"

namespace ghost::merkle {
namespace {

boost::json::value load_vectors() {
  std::ifstream f(std::string(GHOST_VECTORS_DIR) + "/merkle.json");
  EXPECT_TRUE(f.good()) << "missing " << GHOST_VECTORS_DIR << "/merkle.json";
  std::stringstream ss;
  ss << f.rdbuf();
  return boost::json::parse(ss.str());
}

Bytes hex(const boost::json::value& v) { return from_hex(std::string(v.as_string())).value(); }
Hash32 hash(const boost::json::value& v) { return Hash32::from_hex(std::string(v.as_string())).value(); }

TEST(MerkleVectors, RootsAndMultiproofsMatch) {
  auto doc = load_vectors();
  const auto& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 10u);
  size_t proofs = 0;
  for (const auto& c : cases) {
    uint64_t n = c.at("n").to_number<uint64_t>();
    std::vector<Bytes> leaves;
    for (const auto& l : c.at("leaves_hex").as_array()) leaves.push_back(hex(l));
    ASSERT_EQ(leaves.size(), n);
    Tree tree = Tree::build(n, [&](uint64_t i) { return ByteSpan(leaves[i]); });
    ASSERT_EQ(tree.root(), hash(c.at("root"))) << "n=" << n;

    for (const auto& mp : c.at("multiproofs").as_array()) {
      std::vector<uint64_t> idx;
      for (const auto& i : mp.at("indices").as_array()) idx.push_back(i.to_number<uint64_t>());
      std::vector<Hash32> helpers;
      for (const auto& h : mp.at("helpers").as_array()) helpers.push_back(hash(h));
      Multiproof ours = tree.multiproof(idx);
      EXPECT_EQ(ours.helpers, helpers) << "n=" << n;
      std::vector<ByteSpan> data;
      for (uint64_t i : idx) data.emplace_back(leaves[i]);
      EXPECT_TRUE(verify_multiproof(Multiproof{n, idx, helpers}, data, tree.root())) << "n=" << n;
      ++proofs;
    }
  }
  EXPECT_GT(proofs, 30u);
}

}  // namespace
}  // namespace ghost::merkle
