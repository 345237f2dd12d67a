// `ghost keys`: create keystore files, show their address and public key, derive addresses.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "crypto/keys.h"
#include "crypto/keystore.h"
#include "node/cli/cli.h"

namespace ghost::cli {
namespace {

// A passphrase file holds the passphrase on its first line; "-" reads it from stdin.
std::string read_passphrase(const std::string& file) {
  std::string text;
  if (file == "-") {
    std::getline(std::cin, text);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) throw std::runtime_error("no passphrase on stdin");
    return text;
  }
  auto r = read_passphrase_file(file);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

void warn_unencrypted(const std::string& file) {
  std::cerr << "WARNING: " << file << " holds an UNENCRYPTED private key. Use it on test networks only.\n";
}

void print_key(const Address& address, const PublicKey& pubkey, bool as_json, boost::json::object extra = {}) {
  if (as_json) {
    boost::json::object o{{"address", address.str()}, {"pubkey", pubkey.hex()}};
    for (auto& kv : extra) o[kv.key()] = kv.value();
    std::cout << boost::json::serialize(o) << "\n";
    return;
  }
  std::cout << "address: " << address.str() << "\npubkey:  " << pubkey.hex() << "\n";
  for (auto& kv : extra) {
    const auto& v = kv.value();
    std::cout << std::string(kv.key()) << ": " << (v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v)) << "\n";
  }
}


void add_new(CLI::App& keys) {
  struct Args {
    std::string out, passphrase_file;
    bool unencrypted = false, json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("new", "Generate a key and write it to a new keystore file");
  cmd->add_option("--out", a->out, "Keystore file to create (never overwritten)")->required();
  auto* pass = cmd->add_option("--passphrase-file", a->passphrase_file,
                               "File whose first line is the passphrase that encrypts the key (- for stdin)");
  auto* plain = cmd->add_flag("--unencrypted-testnet-key", a->unencrypted,
                              "Store the key UNENCRYPTED (throwaway test network keys only)");
  pass->excludes(plain);
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    if (a->passphrase_file.empty() && !a->unencrypted)
      throw CLI::ValidationError("give --passphrase-file FILE to encrypt the key, or --unencrypted-testnet-key for a throwaway test network key");
    PrivateKey key = PrivateKey::generate();
    KeyProtection protection = UnencryptedTestnetKey{};
    if (!a->unencrypted) protection = Passphrase{read_passphrase(a->passphrase_file)};
    need(save_keystore(a->out, key, protection), "keystore");
    if (a->unencrypted) warn_unencrypted(a->out);
    print_key(Address::of(key.public_key()), key.public_key(), a->json,
              {{"file", a->out}, {"encrypted", !a->unencrypted}});
  });
}

void add_show(CLI::App& keys) {
  struct Args {
    std::string file, passphrase_file;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand(
      "show", "Print a keystore's address and public key (with --passphrase-file, also check that it decrypts)");
  cmd->add_option("FILE", a->file, "Keystore file")->required();
  cmd->add_option("--passphrase-file", a->passphrase_file,
                  "File whose first line is the passphrase (- for stdin); without it the secret is not checked");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    KeystoreInfo info = need(inspect_keystore_file(a->file), "keystore");
    bool checked = false;
    if (!info.encrypted) {
      warn_unencrypted(a->file);
      need(load_keystore(a->file, "", {.allow_unencrypted = true}), "keystore");
      checked = true;
    } else if (!a->passphrase_file.empty()) {
      need(load_keystore(a->file, read_passphrase(a->passphrase_file)), "keystore");
      checked = true;
    }
    print_key(info.address, info.pubkey, a->json, {{"encrypted", info.encrypted}, {"secret_checked", checked}});
  });
}

void add_address(CLI::App& keys) {
  struct Args {
    std::string pubkey;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("address", "Print the address of a public key");
  cmd->add_option("PUBKEY_HEX", a->pubkey, "x-only public key, 64 hex digits")->required();
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    auto pk = PublicKey::from_hex(a->pubkey);
    if (!pk) throw CLI::ValidationError("PUBKEY_HEX", pk.error().message);
    print_key(Address::of(*pk), *pk, a->json);
  });
}

void keys_group(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "Create and inspect keys and keystore files");
  keys->require_subcommand(1);
  add_new(*keys);
  add_show(*keys);
  add_address(*keys);
}

}  // namespace

GHOST_CLI_GROUP(keys_group);

}  // namespace ghost::cli
