// delayed/compute against a serial executor: the core API without the scheduler.
#include <gtest/gtest.h>

#include "serial_executor.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"

using namespace tessera;

double add(double a, double b) {
  return a + b;
}  // exported, so delayed() can name it

namespace {

struct CurrentSerial : test_support::OnSerialExecutor {};

}  // namespace

TEST_F(CurrentSerial, ValuesAndDependencies) {
  auto one = delayed([] { return 1.0; })();
  auto three = delayed(add)(one, 2.0);
  auto seven = delayed(add)(three, delayed(add)(one, 3.0));
  EXPECT_EQ(seven.compute(), 7.0);
  EXPECT_EQ(seven.node()->dependencies().size(), 2u);
}

TEST_F(CurrentSerial, ArgumentsKeepTheirOrderAndTypes) {
  auto name = delayed([] { return std::string("pi"); })();
  auto text = delayed([](int n, const std::string& s, double x) {
    return s + std::to_string(n) + std::to_string(x);
  })(3, name, 0.5);
  EXPECT_EQ(text.compute(), "pi30.500000");
}

TEST_F(CurrentSerial, ComputeTupleSharesWork) {
  int calls = 0;
  auto base = delayed([&calls] { return ++calls; })();
  auto plus = delayed([](int x) { return x + 10; })(base);
  auto [a, b] = compute(base, plus);
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 11);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(executor->submitted, 1);
}

TEST_F(CurrentSerial, ComputeVectorKeepsOrder) {
  std::vector<Delayed<int>> values;
  for (int i = 0; i < 5; ++i) values.push_back(delayed([](int x) { return x * x; })(i));
  EXPECT_EQ(compute(values), (std::vector<int>{0, 1, 4, 9, 16}));
}

TEST_F(CurrentSerial, FailureBecomesTaskError) {
  auto bad = delayed([](int x) -> int { throw std::runtime_error("boom " + std::to_string(x)); },
                     "explode")(4);
  auto after = delayed([](int x) { return x; })(bad);
  try {
    after.compute();
    FAIL() << "no error";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), bad.key());
    EXPECT_EQ(e.original_message(), "boom 4");
    EXPECT_NE(std::string(e.what()).find("explode-"), std::string::npos);
  }
}

TEST_F(CurrentSerial, NamesComeFromFunctions) {
  EXPECT_EQ(delayed(add)(1.0, 2.0).node()->name(), "add");
  EXPECT_EQ(delayed([] { return 1; })().node()->name(), "lambda");
  EXPECT_EQ(delayed([] { return 1; }, "load")().node()->name(), "load");
}

TEST_F(CurrentSerial, VectorOfDelayedIsAListOfDependencies) {
  std::vector<Delayed<int>> parts;
  for (int i = 1; i <= 4; ++i) parts.push_back(delayed([](int x) { return x * 10; })(i));
  auto total = delayed(
      [](const std::vector<int>& values, int offset) {
        int sum = offset;
        for (int v : values) sum += v;
        return sum;
      },
      "sum")(parts, 5);
  EXPECT_EQ(total.node()->dependencies().size(), 4u);
  EXPECT_EQ(total.compute(), 105);
}
