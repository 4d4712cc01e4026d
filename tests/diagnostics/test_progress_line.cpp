// The bar's text, character for character as dask.diagnostics.ProgressBar draws it.
#include <gtest/gtest.h>

#include "tessera/diagnostics/progress_line.hpp"

using namespace tessera::diagnostics;

TEST(ProgressLine, MatchesDasksFormat) {
  EXPECT_EQ(format_progress_line(0.45, 1.2, 40),
            "[##################                      ] | 45% Completed |  1.2s");
  EXPECT_EQ(format_progress_line(1.0, 12.34, 40),
            "[########################################] | 100% Completed | 12.3s");
  EXPECT_EQ(format_progress_line(0.0, 0.0, 10), "[          ] | 0% Completed |  0.0s");
}

TEST(ProgressLine, RoundsDownSoOnlyTheEndShowsAHundred) {
  EXPECT_EQ(format_progress_line(0.999, 1, 10), "[######### ] | 99% Completed |  1.0s");
}

TEST(ProgressLine, ClampsAndMarksFailure) {
  EXPECT_EQ(format_progress_line(1.5, 0.5, 4), "[####] | 100% Completed |  0.5s");
  EXPECT_EQ(format_progress_line(-1, 0.5, 4), "[    ] | 0% Completed |  0.5s");
  EXPECT_EQ(format_progress_line(0.5, 0.5, 4, true), "[##  ] | 50% Failed |  0.5s");
}

TEST(ProgressLine, ElapsedInMinutesAndHours) {
  EXPECT_EQ(format_elapsed(10.4), "10.4s");
  EXPECT_EQ(format_elapsed(1000.4), "16min 40.4s");
  EXPECT_EQ(format_elapsed(3725), " 1hr  2min  5.0s");
}
