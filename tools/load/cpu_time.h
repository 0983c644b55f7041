// CPU time of processes and threads from /proc and getrusage, to compare the
// relay's CPU use with the load generator's own.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace sightline::load {

// User plus system CPU seconds of a process, from /proc/<pid>/stat; nullopt
// when the process does not exist or the file cannot be parsed.
std::optional<double> process_cpu_seconds(pid_t pid);
// User plus system CPU seconds of one thread of this process, from /proc/self/task/<tid>/stat.
std::optional<double> thread_cpu_seconds(pid_t tid);
// Thread ids of this process, from /proc/self/task.
std::vector<pid_t> own_thread_ids();
// User plus system CPU seconds of this whole process (getrusage).
double own_cpu_seconds();
// CPUs the calling thread may run on (its affinity mask, as taskset sets
// it), at least 1.
unsigned usable_cpu_count();

}  // namespace sightline::load
