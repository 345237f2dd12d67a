// `ghost keys`: the keyring (a folder of keystore files NAME.json) and single keystore files:
// create, list, show, import, export, and derive addresses.
#include <boost/json.hpp>
#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <variant>

#include "crypto/keys.h"
#include "base/file.h"
#include "crypto/keystore.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"

namespace ghost::cli {
namespace {

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


// Where a new or imported key goes: --out FILE, else NAME in the keyring (created 0700).
std::filesystem::path new_key_path(const std::string& name, const std::string& out, const std::string& keyring) {
  if (name.empty() == out.empty()) throw CLI::ValidationError("give a key NAME (stored in the keyring) or --out FILE, not both");
  if (!out.empty()) return out;
  if (!is_key_name(name)) throw CLI::ValidationError("NAME", "\"" + name + "\" is not a key name: 1-64 of A-Z a-z 0-9 _ -");
  const std::filesystem::path dir = keyring_dir(keyring);
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec))
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) fail_with(kExitUsage, "cannot create the keyring " + dir.string() + ": " + ec.message());
  return dir / (name + ".json");
}

// Copies a keystore file as it is (still encrypted), checked first; never overwrites.
KeystoreInfo copy_keystore(const std::filesystem::path& from, const std::filesystem::path& to) {
  Bytes text = need(read_file(from, kMaxKeystoreBytes), "keystore " + from.string());
  KeystoreInfo info = need(inspect_keystore(std::string_view(reinterpret_cast<const char*>(text.data()), text.size())),
                           "keystore " + from.string());
  auto w = write_file_atomic(to, text, {.mode = 0600, .replace = false});
  if (!w && w.error().code == Errc::kExists)
    fail_with(kExitUsage, to.string() + " already exists; refusing to overwrite a key file (move it away first)");
  need(w, "cannot write " + to.string());
  return info;
}

// How a new key is stored: --passphrase-file encrypts it, --unencrypted-testnet-key does not;
// one of them must be given.
KeyProtection key_protection(const std::string& passphrase_file, bool unencrypted) {
  if (unencrypted) return UnencryptedTestnetKey{};
  if (passphrase_file.empty())
    throw CLI::ValidationError("give --passphrase-file FILE to encrypt the key, or --unencrypted-testnet-key for a throwaway test network key");
  return Passphrase{read_passphrase(passphrase_file)};
}

// Writes a new keystore (never over a file) and prints its key.
void save_new_key(const PrivateKey& key, const std::filesystem::path& file, const KeyProtection& protection, bool json) {
  need(save_keystore(file, key, protection), "keystore");
  const bool encrypted = std::holds_alternative<Passphrase>(protection);
  if (!encrypted) warn_unencrypted(file.string());
  print_key(Address::of(key.public_key()), key.public_key(), json, {{"file", file.string()}, {"encrypted", encrypted}});
}

void add_new(CLI::App& keys) {
  struct Args {
    std::string name, out, keyring, passphrase_file;
    bool unencrypted = false, json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("new", "Generate a key: NAME in the keyring, or a keystore file with --out");
  cmd->add_option("NAME", a->name, "Key name in the keyring (the file NAME.json there)");
  cmd->add_option("--out", a->out, "Keystore file to create instead (never overwritten)");
  cmd->add_option("--keyring", a->keyring, "Keyring folder (default: $GHOST_KEYRING, else ~/.ghost/keyring)");
  auto* pass = cmd->add_option("--passphrase-file", a->passphrase_file,
                               "File whose first line is the passphrase that encrypts the key (- for stdin)");
  auto* plain = cmd->add_flag("--unencrypted-testnet-key", a->unencrypted,
                              "Store the key UNENCRYPTED (throwaway test network keys only)");
  pass->excludes(plain);
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    const KeyProtection protection = key_protection(a->passphrase_file, a->unencrypted);
    save_new_key(PrivateKey::generate(), new_key_path(a->name, a->out, a->keyring), protection, a->json);
  });
}

void add_list(CLI::App& keys) {
  struct Args {
    std::string keyring;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("list", "List the keys in the keyring: name, address, encrypted");
  cmd->add_option("--keyring", a->keyring, "Keyring folder (default: $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    const std::filesystem::path dir = keyring_dir(a->keyring);
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".json") files.push_back(e.path());
    if (ec && ec != std::errc::no_such_file_or_directory) fail_with(kExitUsage, "cannot read the keyring " + dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    boost::json::array rows;
    for (const auto& f : files) {
      auto info = inspect_keystore_file(f);
      if (!info) {  // listed, so a broken file is noticed
        std::cerr << "warning: " << f.string() << " is not a readable keystore: " << info.error().message << "\n";
        continue;
      }
      rows.push_back(boost::json::object{{"name", f.stem().string()}, {"address", info->address.str()},
                                         {"pubkey", info->pubkey.hex()}, {"encrypted", info->encrypted}});
    }
    if (a->json) {
      std::cout << boost::json::serialize(boost::json::object{{"keyring", dir.string()}, {"keys", rows}}) << "\n";
      return;
    }
    if (rows.empty()) {
      std::cout << "no keys in " << dir.string() << " (`ghost keys new NAME` makes one)\n";
      return;
    }
    std::cout << std::left << std::setw(16) << "NAME" << std::setw(46) << "ADDRESS" << "ENCRYPTED\n";
    for (const auto& r : rows) {
      const auto& o = r.as_object();
      std::cout << std::setw(16) << o.at("name").as_string().c_str() << std::setw(46) << o.at("address").as_string().c_str()
                << (o.at("encrypted").as_bool() ? "yes" : "NO (test key)") << "\n";
    }
  });
}

void add_import(CLI::App& keys) {
  struct Args {
    std::string name, from, secret_file, keyring, passphrase_file;
    bool unencrypted = false, json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("import", "Put a key into the keyring as NAME: a keystore file, or a raw secret to encrypt");
  cmd->add_option("NAME", a->name, "Key name in the keyring")->required();
  auto* from = cmd->add_option("--from", a->from, "A keystore file to copy in (kept as it is, encrypted or not)");
  auto* secret = cmd->add_option("--private-key-file", a->secret_file, "A file holding the secret key as 64 hex digits");
  from->excludes(secret);
  cmd->add_option("--keyring", a->keyring, "Keyring folder (default: $GHOST_KEYRING, else ~/.ghost/keyring)");
  auto* pass = cmd->add_option("--passphrase-file", a->passphrase_file,
                               "With --private-key-file: the passphrase that encrypts it (- for stdin)");
  auto* plain = cmd->add_flag("--unencrypted-testnet-key", a->unencrypted,
                              "With --private-key-file: store it UNENCRYPTED (test network keys only)");
  pass->excludes(plain);
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    if (a->from.empty() == a->secret_file.empty()) throw CLI::ValidationError("give --from KEYSTORE or --private-key-file FILE");
    const std::filesystem::path file = new_key_path(a->name, "", a->keyring);
    if (!a->from.empty()) {
      KeystoreInfo info = copy_keystore(a->from, file);
      if (!info.encrypted) warn_unencrypted(file.string());
      return print_key(info.address, info.pubkey, a->json, {{"file", file.string()}, {"encrypted", info.encrypted}});
    }
    const KeyProtection protection = key_protection(a->passphrase_file, a->unencrypted);
    Bytes text = need(read_file(a->secret_file, 1024), "private key file");
    std::string hex(text.begin(), text.end());
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    auto secret = from_hex(hex);
    if (!secret || secret->size() != 32) fail_with(kExitUsage, a->secret_file + " does not hold a secret key as 64 hex digits");
    save_new_key(need(PrivateKey::from_bytes(*secret), "private key"), file, protection, a->json);
  });
}

void add_export(CLI::App& keys) {
  struct Args {
    std::string name, out, keyring;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand("export", "Copy a key of the keyring to a keystore file (it stays encrypted)");
  cmd->add_option("NAME", a->name, "Key name in the keyring")->required();
  cmd->add_option("--out", a->out, "Keystore file to create (never overwritten)")->required();
  cmd->add_option("--keyring", a->keyring, "Keyring folder (default: $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    if (!is_key_name(a->name)) throw CLI::ValidationError("NAME", "\"" + a->name + "\" is not a key name: 1-64 of A-Z a-z 0-9 _ -");
    KeystoreInfo info = copy_keystore(keystore_path(a->name, a->keyring), a->out);
    print_key(info.address, info.pubkey, a->json, {{"file", a->out}, {"encrypted", info.encrypted}});
  });
}

void add_show(CLI::App& keys) {
  struct Args {
    std::string file, keyring, passphrase_file;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys.add_subcommand(
      "show", "Print a key's address and public key (with --passphrase-file, also check that it decrypts)");
  cmd->add_option("KEY", a->file, "Key name in the keyring, or a keystore file")->required();
  cmd->add_option("--keyring", a->keyring, "Keyring folder (default: $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd->add_option("--passphrase-file", a->passphrase_file,
                  "File whose first line is the passphrase (- for stdin); without it the secret is not checked");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a] {
    const std::filesystem::path file = keystore_path(a->file, a->keyring);
    KeystoreInfo info = need(inspect_keystore_file(file), "keystore");
    bool checked = false;
    if (!info.encrypted) {
      warn_unencrypted(a->file);
      need(load_keystore(file, "", {.allow_unencrypted = true}), "keystore");
      checked = true;
    } else if (!a->passphrase_file.empty()) {
      need(load_keystore(file, read_passphrase(a->passphrase_file)), "keystore");
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
  CLI::App* keys = app.add_subcommand("keys", "The keyring: create, list, show, import and export keys");
  keys->require_subcommand(1);
  add_new(*keys);
  add_list(*keys);
  add_show(*keys);
  add_import(*keys);
  add_export(*keys);
  add_address(*keys);
}

}  // namespace

GHOST_CLI_GROUP(keys_group);

}  // namespace ghost::cli
