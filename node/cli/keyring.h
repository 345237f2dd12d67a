// Where the client finds keys: a keyring folder of keystore files named NAME.json
// (--keyring, else $GHOST_KEYRING, else ~/.ghost/keyring), or a keystore path given directly.
#pragma once

#include <filesystem>
#include <string>

#include "crypto/keys.h"

namespace ghost::cli {

std::filesystem::path keyring_dir(const std::string& flag);

// NAME in the keyring, or a path to a keystore file. Encrypted keys take the passphrase
// from `passphrase_file` ("-" = stdin), else $GHOST_PASSPHRASE. Fails with kExitUsage.
PrivateKey load_signing_key(const std::string& name_or_path, const std::string& keyring_flag,
                            const std::string& passphrase_file);

// "12", "0.5", "1.000001" credits as micro-credits; anything else (negative, more than six
// decimals, overflow, junk) fails with kExitUsage naming `what`.
uint64_t parse_credits(const std::string& text, const std::string& what);
std::string format_credits(uint64_t micro);

}  // namespace ghost::cli
