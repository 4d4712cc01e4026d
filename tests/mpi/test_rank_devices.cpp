// Which CUDA devices a rank's GPU workers use (rank_devices.hpp), for node layouts this machine
// does not have: no MPI and no GPU needed.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "rank_devices.hpp"

namespace tessera::detail {
namespace {

RankPlace place(int node_rank, int visible_gpus) {
  return {.rank = 8 + node_rank,
          .size = 16,
          .node_rank = node_rank,
          .node_size = 8,
          .visible_gpus = visible_gpus};
}

TEST(RankDevices, NodeRanksSpreadOverTheNodesGpus) {
  // 8 ranks on a node of 4 GPUs: node ranks 0..7 take devices 0,1,2,3,0,1,2,3.
  for (int r = 0; r < 8; ++r) {
    MPIClusterOptions options;
    choose_rank_devices(options, place(r, 4));
    EXPECT_EQ(options.gpu_devices, std::vector<int>{r % 4}) << "node rank " << r;
    EXPECT_EQ(options.n_gpu_workers, 1);
  }
}

TEST(RankDevices, NoVisibleGpuMeansNoGpuWorker) {
  MPIClusterOptions options;
  choose_rank_devices(options, place(3, 0));
  EXPECT_TRUE(options.gpu_devices.empty());
  EXPECT_EQ(options.n_gpu_workers, 0);
}

TEST(RankDevices, MoreGpuWorkersTakeTheNextDevicesModuloTheVisibleOnes) {
  MPIClusterOptions options;
  options.n_gpu_workers = 3;
  choose_rank_devices(options, place(1, 4));
  EXPECT_EQ(options.gpu_devices, (std::vector<int>{1, 2, 3}));
  MPIClusterOptions wraps;
  wraps.n_gpu_workers = 2;
  choose_rank_devices(wraps, place(3, 4));
  EXPECT_EQ(wraps.gpu_devices, (std::vector<int>{3, 0}));
}

TEST(RankDevices, GpuForRankPicksAndMinusOneOptsOut) {
  MPIClusterOptions last;
  last.gpu_for_rank = [](const RankPlace& p) { return p.visible_gpus - 1 - p.node_rank % 2; };
  choose_rank_devices(last, place(0, 4));
  EXPECT_EQ(last.gpu_devices, std::vector<int>{3});
  MPIClusterOptions none;
  none.gpu_for_rank = [](const RankPlace&) { return -1; };
  choose_rank_devices(none, place(0, 4));
  EXPECT_TRUE(none.gpu_devices.empty());
  EXPECT_EQ(none.n_gpu_workers, 0);
}

TEST(RankDevices, ExplicitGpuDevicesAreKept) {
  MPIClusterOptions options;
  options.gpu_devices = {2, 2};
  options.gpu_for_rank = [](const RankPlace&) { return 0; };
  choose_rank_devices(options, place(1, 4));
  EXPECT_EQ(options.gpu_devices, (std::vector<int>{2, 2}));
}

TEST(RankDevices, AnInvisibleDeviceIsNamed) {
  MPIClusterOptions options;
  options.gpu_for_rank = [](const RankPlace&) { return 5; };
  try {
    choose_rank_devices(options, place(2, 4));
    ADD_FAILURE() << "device 5 of 4 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("invalid device 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("4 CUDA device(s)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera::detail
