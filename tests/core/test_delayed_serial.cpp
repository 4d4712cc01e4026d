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

namespace {
struct Reading {
  double time, value;
  int sensor;
};
}  // namespace

// Memory accounting reads a result's size from the Value, counted when the task returned it:
// the elements of a vector, the data of a string, the object itself for a plain struct.
TEST_F(CurrentSerial, ResultsOfUserTypesReportTheBytesTheyHold) {
  auto samples = delayed([] { return std::vector<double>(1000, 0.5); }, "samples")();
  auto reading = delayed([] { return Reading{1.0, 2.0, 3}; }, "reading")();
  auto label = delayed([] { return std::string(100, 'x'); }, "label")();
  auto computation = run_graph({samples.node(), reading.node(), label.node()});
  EXPECT_EQ(computation->output(0).nbytes(), 8000u);
  EXPECT_EQ(computation->output(1).nbytes(), sizeof(Reading));
  EXPECT_EQ(computation->output(2).nbytes(), 100u);
  EXPECT_EQ(computation->output(1).get<Reading>().sensor, 3);
}

// A Delayed<T> around a task that returns something else (tasks built by hand can) used to
// dereference a null std::any_cast; it is an error naming both types.
TEST_F(CurrentSerial, ReadingAResultAsTheWrongTypeNamesBothTypes) {
  auto text = delayed([] { return std::string("pi"); }, "text")();
  const Delayed<int> wrong(text.node());
  try {
    (void)wrong.compute();
    FAIL() << "no error";
  } catch (const ValueTypeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("read as int "), std::string::npos) << message;
    EXPECT_NE(message.find("basic_string"), std::string::npos) << message;
  }
  const Value chunk(std::make_shared<NDArray>(Shape{2}, DType::float64));
  EXPECT_EQ(chunk.nbytes(), 16u);
  EXPECT_THROW((void)chunk.get<double>(), ValueTypeError);
  try {
    (void)Value().get<double>();
    FAIL() << "no error";
  } catch (const ValueTypeError& e) {
    EXPECT_STREQ(e.what(), "task result read as double but it holds empty");
  }
}
