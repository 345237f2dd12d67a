#include "node/cli/keyring.h"

#include <cstdlib>
#include <iostream>

#include "consensus/ledger/params.h"
#include "crypto/keystore.h"
#include "node/cli/cli.h"

namespace ghost::cli {

std::filesystem::path keyring_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("GHOST_KEYRING"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".ghost" / "keyring";
}

bool is_key_name(const std::string& text) {
  return !text.empty() && text.size() <= 64 &&
         text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
}

std::filesystem::path keystore_path(const std::string& name_or_path, const std::string& keyring_flag) {
  std::filesystem::path file = name_or_path;
  const bool is_name = name_or_path.find('/') == std::string::npos && !name_or_path.ends_with(".json");
  if (is_name) file = keyring_dir(keyring_flag) / (name_or_path + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    fail_with(kExitUsage, is_name ? "no key named " + name_or_path + " in the keyring " + file.parent_path().string() +
                                        " (`ghost keys list` shows them; give --keyring DIR, or set $GHOST_KEYRING)"
                                  : "no keystore at " + file.string());
  return file;
}

Address address_or_key(const std::string& text, const std::string& keyring_flag) {
  if (auto a = Address::parse(text)) return *a;
  if (is_key_name(text) && !text.starts_with("gc1"))
    if (auto info = inspect_keystore_file(keyring_dir(keyring_flag) / (text + ".json"))) return info->address;
  fail_with(kExitUsage, "\"" + text + "\" is not an address (gc1 + 40 hex digits) or a key in the keyring " +
                            keyring_dir(keyring_flag).string());
}

std::string read_passphrase(const std::string& file) {
  if (file != "-") return need(read_passphrase_file(file), "passphrase");
  std::string text;
  std::getline(std::cin, text);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) fail_with(kExitUsage, "no passphrase on stdin");
  return text;
}

PrivateKey load_signing_key(const std::string& name_or_path, const std::string& keyring_flag,
                            const std::string& passphrase_file) {
  const std::filesystem::path file = keystore_path(name_or_path, keyring_flag);
  KeystoreInfo info = need(inspect_keystore_file(file), "key " + name_or_path);
  if (!info.encrypted) return need(load_keystore(file, "", {.allow_unencrypted = true}), "key " + name_or_path);
  std::string pass;
  if (!passphrase_file.empty()) {
    pass = read_passphrase(passphrase_file);
  } else if (const char* env = std::getenv("GHOST_PASSPHRASE"); env && *env) {
    pass = env;
  } else {
    fail_with(kExitUsage, "key " + name_or_path + " is encrypted: give --passphrase-file FILE or set GHOST_PASSPHRASE");
  }
  return need(load_keystore(file, pass), "key " + name_or_path);
}

uint64_t parse_credits(const std::string& text, const std::string& what) {
  auto bad = [&](const std::string& why) -> uint64_t {
    fail_with(kExitUsage, what + " \"" + text + "\" is not an amount of credits: " + why);
  };
  if (text.empty()) return bad("empty");
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad("no digits");
  if (whole.find_first_not_of("0123456789") != std::string::npos || frac.find_first_not_of("0123456789") != std::string::npos)
    return bad("only digits and one '.' (e.g. 12 or 0.25)");
  if (dot != std::string::npos && frac.empty()) return bad("digits must follow the '.'");
  if (frac.size() > 6) return bad("at most 6 decimals (1 micro-credit)");
  unsigned __int128 v = 0;
  for (char c : whole) {
    v = v * 10 + unsigned(c - '0');
    if (v > UINT64_MAX) return bad("too large");
  }
  v *= ledger::kMicroPerCredit;
  uint64_t f = 0;
  for (size_t i = 0; i < 6; ++i) f = f * 10 + (i < frac.size() ? uint64_t(frac[i] - '0') : 0);
  v += f;
  if (v > UINT64_MAX) return bad("too large");
  return uint64_t(v);
}

std::string format_credits(uint64_t micro) {
  std::string frac = std::to_string(micro % ledger::kMicroPerCredit);
  frac.insert(0, 6 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return std::to_string(micro / ledger::kMicroPerCredit) + (frac.empty() ? "" : "." + frac);
}

}  // namespace ghost::cli
