// /proc/PID/stat parsing, including hostile comm values.
#include <gtest/gtest.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "procview/proc_stat.hpp"
#include "procview/scanner.hpp"

namespace vs::procview {
namespace {

const char* kLine =
    "4242 (my proc) S 1 4242 4242 34816 4242 4194560 1000 0 0 0 150 25 0 0 20 0 3 0 123456 "
    "10485760 512 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

TEST(ProcStat, ParsesTheFieldsToolsUse) {
    auto st = parse_stat(kLine);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, 4242);
    EXPECT_EQ(st->comm, "my proc");
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->ppid, 1);
    EXPECT_EQ(st->tty_nr, 34816);
    EXPECT_EQ(st->utime_ticks, 150u);
    EXPECT_EQ(st->stime_ticks, 25u);
    EXPECT_EQ(st->nice, 0);
    EXPECT_EQ(st->threads, 3);
    EXPECT_EQ(st->start_ticks, 123456u);
    EXPECT_EQ(st->vsize_bytes, 10485760u);
    EXPECT_EQ(st->rss_pages, 512u);
}

TEST(ProcStat, CommWithParenthesesCannotShiftFields) {
    // A process may call itself "x) R 99 (" to fool a parser that stops at the first ')'.
    auto st = parse_stat("77 (x) R 99 () S 5 77 77 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 900 4096 2\n");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "x) R 99 (");
    EXPECT_EQ(st->ppid, 5);
    EXPECT_EQ(st->utime_ticks, 7u);
    EXPECT_EQ(st->start_ticks, 900u);
    EXPECT_EQ(st->rss_pages, 2u);
}

TEST(ProcStat, RejectsTruncatedOrGarbage) {
    EXPECT_FALSE(parse_stat(""));
    EXPECT_FALSE(parse_stat("12 (a"));
    EXPECT_FALSE(parse_stat("12 (a) S 1 2 3"));
    EXPECT_FALSE(parse_stat("x (a) S 1 1 1 0 0 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 1"));
}

TEST(Scanner, ReadsItsOwnProcess) {
    ScanOptions o;
    o.cmdline = true;
    auto s = Scanner::open(o);
    ASSERT_TRUE(s) << s.error().what();
    auto me = s->read(::getpid());
    ASSERT_TRUE(me);
    EXPECT_EQ(me->stat.pid, ::getpid());
    EXPECT_EQ(me->stat.ppid, ::getppid());
    EXPECT_EQ(me->uid, ::geteuid());
    // argv[0] first, then the arguments, joined by spaces.
    EXPECT_EQ(me->cmdline.rfind(program_invocation_name, 0), 0u) << me->cmdline;
    auto pids = s->list_pids();
    EXPECT_NE(std::find(pids.begin(), pids.end(), ::getpid()), pids.end());
    EXPECT_FALSE(s->read(0x7ffffff0));  // no such pid
}

// CPU time this process has used (CLOCK_PROCESS_CPUTIME_ID), in seconds.
double cpu_seconds() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

TEST(Scanner, KeptFdsReadFreshData) {
    ScanOptions o;
    o.keep_fds = true;
    auto s = Scanner::open(o);
    ASSERT_TRUE(s);
    auto first = s->scan();
    ASSERT_GE(s->cached_fds(), 1u);
    auto a = s->read(::getpid());
    ASSERT_TRUE(a);
    const uint64_t before = a->stat.utime_ticks + a->stat.stime_ticks;
    // Burn CPU until a freshly opened /proc/self/stat shows two more clock ticks (the kernel's
    // view, independent of the cache), giving up after 10 s of CPU time.
    auto fresh = Scanner::open(ScanOptions{});
    ASSERT_TRUE(fresh);
    volatile uint64_t x = 0;
    const double give_up = cpu_seconds() + 10;
    uint64_t now = before;
    while (now < before + 2 && cpu_seconds() < give_up) {
        for (int i = 0; i < 1000000; ++i) x = x + static_cast<uint64_t>(i);
        auto f = fresh->read(::getpid());
        ASSERT_TRUE(f);
        now = f->stat.utime_ticks + f->stat.stime_ticks;
    }
    ASSERT_GE(now, before + 2) << "the kernel's tick count did not move in 10 s of CPU";
    // The cached fd (pread at offset 0) sees the new figure, not what it read first.
    auto b = s->read(::getpid());
    ASSERT_TRUE(b);
    EXPECT_GE(b->stat.utime_ticks + b->stat.stime_ticks, before + 2);
}

}  // namespace
}  // namespace vs::procview
