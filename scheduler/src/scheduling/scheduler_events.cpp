// What the scheduler tells the diagnostics bus: runs submitted and finished, finished tasks (one
// record each, or batched by diagnostics' TaskBatch while no subscriber needs exact times), and
// spill-file writes and reads as Dask's disk-write / disk-read.
#include <algorithm>
#include <string_view>

#include "scheduler.hpp"
#include "scheduler_worker.hpp"
#include "tessera/diagnostics/bus.hpp"

namespace tessera::detail {

namespace {

// A record of something `worker` (its `index`-th spec) did on `thread`: the fields every kind of
// task record shares.
diagnostics::TaskRecord record_on(std::string_view cluster, const WorkerInfo& spec, int index,
                                  int thread) {
  diagnostics::TaskRecord record;
  record.cluster = cluster;
  record.worker = index;
  record.worker_name = spec.name;
  record.backend = spec.backend;
  record.thread = thread;
  return record;
}

}  // namespace

diagnostics::TaskRecord Scheduler::task_record(const Worker& worker, int thread, const TaskRef& ref,
                                               double start, double stop,
                                               std::uint64_t nbytes) const {
  const Graph& graph = ref.run->graph();
  diagnostics::TaskRecord record = record_on(name_, worker.spec, worker.index, thread);
  record.run = ref.run->id();
  record.task = graph.tasks[ref.task]->id();
  record.group_index = graph.group_of[ref.task];
  record.group = graph.groups[record.group_index].name;
  record.start = start;
  record.stop = stop;
  record.nbytes = nbytes;
  return record;
}

void Scheduler::publish_task(const Worker& worker, int thread, const TaskRef& ref, double start,
                             double stop, std::uint64_t nbytes, bool failed) const {
  diagnostics::TaskRecord record = task_record(worker, thread, ref, start, stop, nbytes);
  record.failed = failed;
  diagnostics::Bus::instance().publish_task(record);
}

std::function<void(const SpillEvent&)> Scheduler::spill_publisher() const {
  // Spill-file writes and reads go on the task stream as Dask draws them: "disk-write" and
  // "disk-read" bars (and "device-to-host" for chunks a GPU worker moved to host memory) in the row
  // of the thread that did them (the storing worker's first row when the memory monitor did).
  // Copies, not `this`: a persisted array can outlive its cluster.
  return [cluster = name_, specs = specs_, self = this](const SpillEvent& e) {
    diagnostics::Bus& bus = diagnostics::Bus::instance();
    if (!bus.active()) return;
    const CurrentThread me = current_thread;
    const bool on_worker = me.scheduler == self;
    const int worker = on_worker ? me.worker : std::max(e.owner, 0);
    if (worker >= static_cast<int>(specs.size())) return;
    diagnostics::TaskRecord record =
        record_on(cluster, specs[worker], worker, on_worker ? me.thread : 0);
    record.task = e.block;
    record.group = e.from_device ? "device-to-host" : e.read ? "disk-read" : "disk-write";
    record.start = e.start;
    record.stop = e.stop;
    record.nbytes = e.bytes;
    bus.publish_task(record);
  };
}

void Scheduler::publish_run(const RunState& run, bool finished) const {
  diagnostics::RunRecord record;
  record.run = run.id();
  record.cluster = name_;
  // The tasks that run here: external tasks' values come from elsewhere (the groups count the
  // same way), so a finished run does not count them as cancelled.
  for (const TaskGroupCount& group : run.graph().groups) record.tasks += group.tasks;
  record.time = diagnostics::now_seconds();
  record.failed = run.any_failed();
  if (!finished) {
    record.groups.reserve(run.graph().groups.size());
    for (const TaskGroupCount& group : run.graph().groups)
      record.groups.emplace_back(group.name, group.tasks);
    record.group_edges = run.graph().group_edges;
    diagnostics::Bus::instance().publish_run_submitted(record);
  } else {
    diagnostics::Bus::instance().publish_run_finished(record);
  }
}

void Scheduler::run_completed(const RunState& run) const {
  if (diagnostics::Bus::instance().active()) publish_run(run, true);
}

}  // namespace tessera::detail
