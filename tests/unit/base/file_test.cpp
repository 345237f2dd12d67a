// Whole-file reads and crash-safe writes (base/file.h).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "base/file.h"
#include "tests/temp_dir.h"

namespace ghost {
namespace {

using test::TempDir;

size_t entries(const std::filesystem::path& dir) {
  return size_t(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(File, WriteThenReadBackAndReplace) {
  TempDir dir;
  auto p = dir.path / "f";
  ASSERT_TRUE(write_file_atomic(p, as_bytes("first")));
  EXPECT_EQ(*read_file(p), Bytes(as_bytes("first").begin(), as_bytes("first").end()));
  ASSERT_TRUE(write_file_atomic(p, as_bytes("second, longer")));
  auto back = read_file(p);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::string(back->begin(), back->end()), "second, longer");
  EXPECT_EQ(entries(dir.path), 1u) << "no temporary file is left behind";
}

TEST(File, ModeIsApplied) {
  TempDir dir;
  auto p = dir.path / "key";
  ASSERT_TRUE(write_file_atomic(p, as_bytes("s"), {.mode = 0600}));
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(File, RefusesToReplaceWhenAskedAndLeavesTheOldFile) {
  TempDir dir;
  auto p = dir.path / "k";
  ASSERT_TRUE(write_file_atomic(p, as_bytes("old"), {.replace = false}));
  auto again = write_file_atomic(p, as_bytes("new"), {.replace = false});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kExists);
  auto back = read_file(p);
  EXPECT_EQ(std::string(back->begin(), back->end()), "old");
  EXPECT_EQ(entries(dir.path), 1u);
}

TEST(File, ReadErrorsCarryCodes) {
  TempDir dir;
  EXPECT_EQ(read_file(dir.path / "none").error().code, Errc::kNotFound);
  EXPECT_EQ(read_file(dir.path).error().code, Errc::kIo);  // a directory
  ASSERT_TRUE(write_file_atomic(dir.path / "big", Bytes(100, 7)));
  EXPECT_EQ(read_file(dir.path / "big", 99).error().code, Errc::kTooLarge);
  EXPECT_TRUE(read_file(dir.path / "big", 100));
}

TEST(File, WriteIntoAMissingDirectoryFailsAndCreatesNothing) {
  TempDir dir;
  auto r = write_file_atomic(dir.path / "no" / "f", as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(entries(dir.path), 0u);
}

TEST(File, PublishMovesAFinishedFileAndConsumesTheTemporary) {
  TempDir dir;
  auto tmp = dir.path / "t.tmp", p = dir.path / "t";
  ASSERT_TRUE(write_file_atomic(tmp, as_bytes("made elsewhere")));
  ASSERT_TRUE(publish_file(tmp, p));
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_TRUE(read_file(p));
  // A failed publish (refusing to replace) still removes the temporary.
  ASSERT_TRUE(write_file_atomic(tmp, as_bytes("second")));
  EXPECT_EQ(publish_file(tmp, p, {.replace = false}).error().code, Errc::kExists);
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

}  // namespace
}  // namespace ghost
