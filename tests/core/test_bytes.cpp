#include <gtest/gtest.h>

#include "tessera/bytes.hpp"

using tessera::format_bytes;
using tessera::parse_bytes;

TEST(ParseBytes, AcceptsDaskSpellings) {
  EXPECT_EQ(parse_bytes("100"), 100u);
  EXPECT_EQ(parse_bytes("4GiB"), 4ull << 30);
  EXPECT_EQ(parse_bytes("4 GiB"), 4ull << 30);
  EXPECT_EQ(parse_bytes("500MB"), 500'000'000u);
  EXPECT_EQ(parse_bytes("500mb"), 500'000'000u);
  EXPECT_EQ(parse_bytes("1.5kB"), 1500u);
  EXPECT_EQ(parse_bytes("2KiB"), 2048u);
  EXPECT_EQ(parse_bytes("1e9"), 1'000'000'000u);
  EXPECT_EQ(parse_bytes("5G"), 5'000'000'000u);
  EXPECT_EQ(parse_bytes("MB"), 1'000'000u);
  EXPECT_EQ(parse_bytes("  7 b "), 7u);
  EXPECT_EQ(parse_bytes("0"), 0u);
}

TEST(ParseBytes, RejectsBadTextNamingIt) {
  for (const char* bad : {"", "-5", "-1GB", "five", "4 GiBs", "1e999", "nan", "4QB", "1e30 PB"}) {
    try {
      parse_bytes(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(FormatBytes, PicksBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 kiB");
  EXPECT_EQ(format_bytes(4ull << 30), "4.00 GiB");
  EXPECT_EQ(format_bytes(3ull << 40), "3.00 TiB");
}
