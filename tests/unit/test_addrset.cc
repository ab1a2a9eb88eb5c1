// The address set: membership and rank against std::set, over several chunks and regions
// (including addresses above 2^47), and out-of-memory at every allocation.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

extern "C" {
#include "heapcore/addrset.h"
#include "heapcore/error.h"
}

static std::vector<uintptr_t> random_addresses(size_t n, uint32_t seed)
{
    std::mt19937_64 rng(seed);
    // Clusters like a real process: a dense heap, a sparse mmap area, and far-apart chunks.
    const uintptr_t bases[] = {0x555555554000, 0x7f0000000000, 0x10000, 0xffff800000000000 - (1u << 30)};
    std::vector<uintptr_t> v;
    for (size_t i = 0; i < n; i++) {
        uintptr_t base = bases[rng() % 4];
        uintptr_t span = (i % 3 == 0) ? ((uintptr_t)1 << 32) : ((uintptr_t)1 << 22);
        v.push_back((base + rng() % span) & ~(uintptr_t)7);
    }
    return v;
}

TEST(AddrSet, AddContainsRankMembersMatchStdSet)
{
    hc_addrset s;
    hc_addrset_init(&s);
    std::vector<uintptr_t> v = random_addresses(30000, 1);
    std::set<uintptr_t> ref;
    for (uintptr_t a : v) {
        int fresh = hc_addrset_add(&s, a);
        ASSERT_EQ(fresh, ref.insert(a).second ? 1 : 0);
    }
    ASSERT_EQ(s.count, ref.size());
    for (uintptr_t a : v)
        ASSERT_TRUE(hc_addrset_contains(&s, a));
    EXPECT_FALSE(hc_addrset_contains(&s, 0x8));
    EXPECT_FALSE(hc_addrset_contains(&s, v[0] | 1)); // tagged addresses are never members
    ASSERT_EQ(hc_addrset_freeze(&s), ref.size());
    std::vector<uintptr_t> members(ref.size());
    hc_addrset_members(&s, members.data());
    EXPECT_TRUE(std::equal(members.begin(), members.end(), ref.begin()));
    uint32_t r = 0;
    for (uintptr_t a : ref)
        ASSERT_EQ(hc_addrset_rank(&s, a), r++);
    EXPECT_EQ(hc_addrset_rank(&s, 0x8), HC_NONE);
    // Neighbours of members that are not members have no rank.
    for (size_t i = 0; i < 1000; i++) {
        uintptr_t a = v[i] + 8;
        if (!ref.count(a)) {
            ASSERT_EQ(hc_addrset_rank(&s, a), HC_NONE);
        }
    }
    EXPECT_EQ(hc_addrset_add(&s, 0x12345678), -1); // frozen
    EXPECT_GT(hc_addrset_memory(&s), 0u);
    hc_addrset_clear(&s);
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(hc_addrset_add(&s, 0x1000), 1); // usable again after clear
    hc_addrset_clear(&s);
}

TEST(AddrSet, DenseMemoryAcrossPagesAndChunks)
{
    hc_addrset s;
    hc_addrset_init(&s);
    // Every 8-byte slot of 3 bitmap pages' worth of address space, straddling a chunk border.
    const uint32_t per_page = HC_ADDRSET_PAGE_WORDS * 64;
    const uintptr_t base = ((uintptr_t)5 << HC_ADDRSET_CHUNK_SHIFT) - 8 * (uintptr_t)per_page;
    for (uint32_t i = 0; i < 3 * per_page; i++)
        ASSERT_EQ(hc_addrset_add(&s, base + 8 * (uintptr_t)i), 1);
    EXPECT_EQ(s.nchunks, 2u);
    ASSERT_EQ(hc_addrset_freeze(&s), 3 * per_page);
    for (uint32_t i = 0; i < 3 * per_page; i += 97)
        ASSERT_EQ(hc_addrset_rank(&s, base + 8 * (uintptr_t)i), i);
    ASSERT_EQ(hc_addrset_rank(&s, base + 8 * (uintptr_t)(3 * per_page - 1)), 3 * per_page - 1);
    // Only the touched pages count as memory: three bitmap pages (and their block counts).
    EXPECT_LT(hc_addrset_memory(&s), (size_t)4 * 4096 + 2 * sizeof(hc_addrset_chunk) + 4096);
    hc_addrset_clear(&s);
}

TEST(AddrSet, OutOfMemoryIsReportedAndNothingLeaks)
{
    std::vector<uintptr_t> v = random_addresses(5000, 2);
    // Count the allocations a clean run makes, then fail each one in turn.
    hc_alloc_fail_at(0);
    {
        hc_addrset s;
        hc_addrset_init(&s);
        for (uintptr_t a : v)
            ASSERT_GE(hc_addrset_add(&s, a), 0);
        hc_addrset_clear(&s);
    }
    unsigned long calls = hc_alloc_fail_at(0);
    ASSERT_GT(calls, 10u);
    int reported = 0;
    for (unsigned long nth = 1; nth <= calls; nth++) {
        hc_addrset s;
        hc_addrset_init(&s);
        hc_alloc_fail_at(nth);
        bool failed = false;
        std::set<uintptr_t> ref;
        for (uintptr_t a : v) {
            int fresh = hc_addrset_add(&s, a);
            if (fresh < 0) {
                failed = true;
                continue;
            }
            ASSERT_EQ(fresh, ref.insert(a).second ? 1 : 0);
        }
        hc_alloc_fail_at(0);
        for (uintptr_t a : ref)
            ASSERT_TRUE(hc_addrset_contains(&s, a)); // what was added stays
        ASSERT_EQ(s.count, ref.size());
        // Either the failure was reported, or it was one the set can do without (the direct
        // chunk table: lookups then go through the small cache) and nothing is missing.
        EXPECT_TRUE(failed || ref.size() == std::set<uintptr_t>(v.begin(), v.end()).size()) << nth;
        reported += failed;
        hc_addrset_clear(&s); // ASan checks that nothing leaks
    }
    EXPECT_GE(reported, (int)calls - 1); // only the direct table's failure is absorbed
}

// hc_addrset_add_near (the allocation hook's marks): exactly addr + 8*i for the mask's bits,
// also where they cross a word and a chunk, against std::set.
TEST(AddrSet, AddNearMarksExactlyTheMasksAddresses)
{
    hc_addrset s;
    hc_addrset_init(&s);
    std::set<uintptr_t> want;
    const uintptr_t chunk = (uintptr_t)1 << HC_ADDRSET_CHUNK_SHIFT;
    std::vector<uintptr_t> starts = {0x7f0000000000,
                                     0x7f0000000000 + 63 * 8,
                                     0x7f0000000000 + 60 * 8,
                                     0x7f0000000000 + chunk - 16,
                                     0x7f0000000000 + chunk - 8,
                                     0x555555554010};
    for (uintptr_t a : random_addresses(2000, 7))
        starts.push_back(a & ~(uintptr_t)15);
    const uint32_t masks[] = {0x1, 0x5, 0x15, 0xff};
    for (size_t k = 0; k < starts.size(); k++) {
        uint32_t mask = masks[k % 4];
        ASSERT_EQ(hc_addrset_add_near(&s, starts[k], mask), 0);
        for (uint32_t i = 0; i < 8; i++)
            if ((mask >> i) & 1)
                want.insert(starts[k] + 8 * i);
    }
    for (uintptr_t a : want)
        ASSERT_TRUE(hc_addrset_contains(&s, a)) << std::hex << a;
    size_t extra = 0;
    for (uintptr_t a : starts)
        for (int d = -64; d <= 64; d += 8)
            if (!want.count(a + d) && hc_addrset_contains(&s, a + d))
                extra++;
    EXPECT_EQ(extra, 0u);
    hc_addrset_clear(&s);
}
