// A fresh directory under the system temp dir, removed with everything in it at scope end.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace ghost::ml::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string name = "ghost-ml-";
    name.append(std::to_string(getpid())).append(1, '-').append(std::to_string(std::random_device{}()));
    path = std::filesystem::temp_directory_path() / name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace ghost::ml::testing
