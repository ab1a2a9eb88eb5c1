// The page-populating helper (heapcore/prefault.h): it maps exactly the pages asked for,
// never changes their contents, and forget/free stop it promptly.  Also the engine's other
// helper threads (threads.h).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

extern "C" {
#include "prefault.h"
}

namespace
{

const size_t kPage = (size_t)sysconf(_SC_PAGESIZE);

std::vector<unsigned char> resident(void *p, size_t len)
{
    std::vector<unsigned char> v(len / kPage);
    EXPECT_EQ(mincore(p, len, v.data()), 0);
    for (auto &b : v)
        b &= 1;
    return v;
}

bool wait_for(hc_prefault *pf, uint64_t bytes)
{
    for (int i = 0; i < 5000 && hc_prefault_done(pf) < bytes; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return hc_prefault_done(pf) >= bytes;
}

struct Region {
    size_t len;
    char *p;
    explicit Region(size_t l) : len(l)
    {
        p = (char *)mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    ~Region() { munmap(p, len); }
};

} // namespace

TEST(Prefault, PopulatesExactlyTheWholePagesAskedForAndKeepsTheirContents)
{
    hc_prefault *pf = hc_prefault_new();
    if (!pf)
        GTEST_SKIP() << "no MADV_POPULATE_WRITE at build time, or no thread";
    Region r(64 * kPage);
    ASSERT_NE(r.p, MAP_FAILED);
    r.p[40 * kPage + 7] = 42; // written before: must survive
    // Ask for [10.5, 30.5) pages: only pages 11..29 lie wholly inside.
    hc_prefault_range(pf, r.p + 10 * kPage + kPage / 2, 20 * kPage);
    hc_prefault_range(pf, r.p + 40 * kPage, 2 * kPage);
    if (!wait_for(pf, 21 * kPage)) {
        hc_prefault_free(pf);
        GTEST_SKIP() << "the kernel does not populate (before 5.14?)";
    }
    std::vector<unsigned char> v = resident(r.p, r.len);
    for (size_t i = 0; i < v.size(); i++) {
        bool want = (i >= 11 && i < 30) || i == 40 || i == 41;
        EXPECT_EQ(v[i] != 0, want) << "page " << i;
    }
    EXPECT_EQ(r.p[40 * kPage + 7], 42);
    for (size_t i = 11 * kPage; i < 30 * kPage; i++)
        ASSERT_EQ(r.p[i], 0);
    EXPECT_EQ(hc_prefault_done(pf), 21 * kPage);
    hc_prefault_free(pf);
}

TEST(Prefault, ForgetStopsWorkInHandAndDropsPendingRequests)
{
    hc_prefault *pf = hc_prefault_new();
    if (!pf)
        GTEST_SKIP() << "no MADV_POPULATE_WRITE at build time, or no thread";
    const size_t len = (size_t)256 << 20;
    Region r(len);
    ASSERT_NE(r.p, MAP_FAILED);
    hc_prefault_range(pf, r.p, len / 2);
    hc_prefault_range(pf, r.p + len / 2, len / 2);
    hc_prefault_forget(pf);
    uint64_t after = hc_prefault_done(pf);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(hc_prefault_done(pf), after); // nothing more after forget returned
    EXPECT_LT(after, (uint64_t)len);
    // Still usable afterwards.
    hc_prefault_range(pf, r.p, 4 * kPage);
    EXPECT_TRUE(wait_for(pf, after + 4 * kPage));
    hc_prefault_free(pf);
}

TEST(Prefault, FreeWithPendingRequestsAndNullAreFine)
{
    hc_prefault_free(nullptr);
    hc_prefault_range(nullptr, (void *)&kPage, 1);
    hc_prefault_forget(nullptr);
    EXPECT_EQ(hc_prefault_done(nullptr), 0u);
    hc_prefault *pf = hc_prefault_new();
    if (!pf)
        GTEST_SKIP() << "no MADV_POPULATE_WRITE at build time, or no thread";
    Region r((size_t)64 << 20);
    for (int i = 0; i < 1000; i++) // more than the ring holds: the rest are dropped
        hc_prefault_range(pf, r.p + (size_t)(i % 16) * (4 << 20), (size_t)4 << 20);
    hc_prefault_free(pf);
    hc_prefault_range(pf = hc_prefault_new(), nullptr, 100); // a null range is ignored
    hc_prefault_free(pf);
}

// Engine helper threads block every signal (threads.h): hc_run_pair's helper sees them all
// blocked, the caller's mask is untouched.
#include <signal.h>
extern "C" {
#include "threads.h"
}

TEST(Threads, HelpersBlockSignalsAndTheCallerIsUntouched)
{
    sigset_t before;
    pthread_sigmask(SIG_BLOCK, nullptr, &before);
    struct Probe {
        bool helper;
        bool int_blocked;
        bool usr1_blocked;
        std::thread::id id;
    } a{}, b{};
    std::thread::id me = std::this_thread::get_id();
    auto fn = [](void *p) {
        auto *pr = (Probe *)p;
        sigset_t now;
        pthread_sigmask(SIG_BLOCK, nullptr, &now);
        pr->int_blocked = sigismember(&now, SIGINT) == 1;
        pr->usr1_blocked = sigismember(&now, SIGUSR1) == 1;
        pr->id = std::this_thread::get_id();
    };
    hc_run_pair(fn, &a, &b);
    EXPECT_EQ(a.id, me);
    EXPECT_NE(b.id, me);
    EXPECT_FALSE(a.int_blocked);
    EXPECT_TRUE(b.int_blocked);
    EXPECT_TRUE(b.usr1_blocked);
    sigset_t after;
    pthread_sigmask(SIG_BLOCK, nullptr, &after);
    EXPECT_EQ(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
}
