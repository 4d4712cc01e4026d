// Spill folders are locked while in use, so the folders of an interrupted run (which cannot
// remove its own) are told apart from live ones and removed; spill files someone truncated are
// an error, not a SIGBUS.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "child_process.hpp"
#include "memory/block_store.hpp"
#include "scratch_path.hpp"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

// A store that sends every chunk straight to a raw .npy file in `folder`.
std::shared_ptr<BlockStore> spilling_store(const fs::path& folder) {
  return std::make_shared<BlockStore>(BlockStoreOptions{
      .budget = 1, .directory = folder.string(), .compression = SpillCompression::none});
}

std::shared_ptr<NDArray> counting(std::int64_t n) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::float64);
  for (std::int64_t i = 0; i < n; ++i) a->data<double>()[i] = static_cast<double>(i);
  return a;
}

// The lock file beside a spill folder: "<folder>.lock", the name every Tessera process looks for
// (so spelled out here, not taken from the code under test).
fs::path lock_of(const fs::path& folder) {
  return folder.string() + ".lock";
}

}  // namespace

TEST(SpillFolder, TheFolderOfAnInterruptedRunIsRemovedAndLiveOnesStay) {
  const fs::path base = test_support::scratch("tessera_sweep");
  fs::remove_all(base);
  fs::create_directories(base);
  const fs::path dead = base / "tessera-dead-1-0-spill", live = base / "tessera-live-1-0-spill",
                 unlocked = base / "tessera-old-1-spill", orphan = base / "tessera-gone-1-spill";
  // A run interrupted (SIGINT) while its chunk was spilled leaves its folder behind.
  const std::string child = test_support::run_in_child([&]() -> std::string {
    auto store = spilling_store(dead);
    auto block = store->add(counting(1000));
    ::raise(SIGINT);
    return "still running after SIGINT";
  });
  EXPECT_EQ(child, "killed by signal " + std::to_string(SIGINT));
  ASSERT_TRUE(fs::exists(dead / "block-1.npy"));
  ASSERT_TRUE(fs::exists(lock_of(dead)));
  // This process's own folder, in use.
  auto store = spilling_store(live);
  auto block = store->add(counting(1000));
  ASSERT_FALSE(block->in_memory());
  // No lock file: made by an older Tessera (perhaps still running) or by something else.
  fs::create_directories(unlocked);
  // A lock file whose folder went: its owner died between removing the two.
  std::ofstream(lock_of(orphan)).put('\n');

  EXPECT_EQ(remove_stale_spill_folders(base.string()), std::vector<std::string>{dead.string()});
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(lock_of(dead)));
  EXPECT_FALSE(fs::exists(lock_of(orphan)));
  EXPECT_TRUE(fs::exists(unlocked));
  EXPECT_TRUE(fs::exists(lock_of(live)));
  EXPECT_EQ(block->load()->data<double>()[999], 999.0);  // the live folder is intact

  store.reset();
  block.reset();
  EXPECT_FALSE(fs::exists(live));
  EXPECT_FALSE(fs::exists(lock_of(live)));
  fs::remove_all(base);
}

TEST(SpillFolder, TwoStoresCannotShareOneFolder) {
  const fs::path folder = test_support::scratch("tessera-shared-spill");
  auto first = spilling_store(folder);
  auto kept = first->add(counting(10));
  auto second = spilling_store(folder);
  try {
    second->add(counting(10));
    FAIL() << "the second store spilled into the first one's folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(folder.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("another live cluster"), std::string::npos) << e.what();
  }
  EXPECT_EQ(kept->load()->data<double>()[9], 9.0);
}

TEST(SpillFile, ATruncatedSpillFileIsAnErrorNotSIGBUS) {
  const fs::path folder = test_support::scratch("tessera-truncated-spill");
  auto store = spilling_store(folder);
  const std::int64_t n = 1 << 16;  // 512 KiB: many pages past the cut
  auto block = store->add(counting(n));
  ASSERT_FALSE(block->in_memory());
  const fs::path file = folder / "block-1.npy";
  fs::resize_file(file, fs::file_size(file) / 2);  // as another process might
  try {
    auto array = block->load();
    double sum = 0;  // reading the pages past the end of the file is what raised SIGBUS
    for (std::int64_t i = 0; i < n; ++i) sum += array->data<double>()[i];
    FAIL() << "read a truncated spill file: sum " << sum;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}
