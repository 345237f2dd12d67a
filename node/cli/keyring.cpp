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

PrivateKey load_signing_key(const std::string& name_or_path, const std::string& keyring_flag,
                            const std::string& passphrase_file) {
  std::filesystem::path file = name_or_path;
  const bool is_name = name_or_path.find('/') == std::string::npos && !name_or_path.ends_with(".json");
  if (is_name) file = keyring_dir(keyring_flag) / (name_or_path + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    fail_with(kExitUsage, is_name ? "no key named " + name_or_path + " in the keyring " + file.parent_path().string() +
                                        " (give --keyring DIR, or set $GHOST_KEYRING)"
                                  : "no keystore at " + file.string());
  KeystoreInfo info = need(inspect_keystore_file(file), "key " + name_or_path);
  if (!info.encrypted) return need(load_keystore(file, "", {.allow_unencrypted = true}), "key " + name_or_path);
  std::string pass;
  if (passphrase_file == "-") {
    std::getline(std::cin, pass);
  } else if (!passphrase_file.empty()) {
    pass = need(read_passphrase_file(passphrase_file), "passphrase");
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
