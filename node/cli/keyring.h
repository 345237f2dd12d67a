// Where the client finds keys: a keyring folder of keystore files named NAME.json
// (--keyring, else $GHOST_KEYRING, else ~/.ghost/keyring), or a keystore path given directly.
#pragma once

#include <filesystem>
#include <string>

#include "crypto/keys.h"

namespace ghost::cli {

std::filesystem::path keyring_dir(const std::string& flag);

// A key name: 1-64 of [A-Za-z0-9_-] (the keyring file is NAME.json).
bool is_key_name(const std::string& text);

// The keystore file of NAME in the keyring, or `name_or_path` itself when it names a file
// (has a '/' or ends in .json). Fails with kExitUsage when that file does not exist.
std::filesystem::path keystore_path(const std::string& name_or_path, const std::string& keyring_flag);

// An address (gc1...), or the address of a key named `text` in the keyring.
Address address_or_key(const std::string& text, const std::string& keyring_flag);

// The passphrase on the first line of `file`, or of stdin for "-"; empty is an error (kExitUsage).
std::string read_passphrase(const std::string& file);

// NAME in the keyring, or a path to a keystore file. Encrypted keys take the passphrase
// from `passphrase_file` ("-" = stdin), else $GHOST_PASSPHRASE. Fails with kExitUsage.
PrivateKey load_signing_key(const std::string& name_or_path, const std::string& keyring_flag,
                            const std::string& passphrase_file);

// "12", "0.5", "1.000001" credits as micro-credits; anything else (negative, more than six
// decimals, overflow, junk) fails with kExitUsage naming `what`.
uint64_t parse_credits(const std::string& text, const std::string& what);
std::string format_credits(uint64_t micro);

}  // namespace ghost::cli
