// A fresh directory under the system temp dir, removed with everything in it at scope end.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace ghost::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "test") {
    path = std::filesystem::temp_directory_path() /
           ("ghost-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace ghost::test
