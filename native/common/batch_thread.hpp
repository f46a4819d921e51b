// A helper thread of a long check or plan tells the scheduler it is batch work.
//
// Why: the first read of a large table runs three threads on a two-core machine (reading rows, checking them,
// writing the duplicate check's records), handing work to each other. Each hand-over woke a thread that then
// took the core from the checking thread, the one with the most work, which was then woken back in turn:
// perf's scheduler trace had most of the checking thread's switches there, right after it woke a helper.
// Linux's SCHED_BATCH keeps a woken batch thread from preempting, so the cores go where the work is:
// `validate cohort` of ten million rows took 0.92x the time (paired runs). It needs no privilege; where it is
// refused, or on another system, the thread stays as it was, as fast as before.
#pragma once

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

namespace tdbraze {

inline void schedule_as_batch_work() noexcept {
#if defined(__linux__) && defined(SCHED_BATCH)
    sched_param priority{};
    priority.sched_priority = 0;
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &priority);
#endif
}

}  // namespace tdbraze
