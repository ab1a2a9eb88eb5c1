// Address map: lookups, growth across many rehashes, absent keys, adversarial (colliding) keys.
#include <gtest/gtest.h>

#include <random>
#include <vector>

extern "C" {
#include "heapcore/addrmap.h"
#include "heapcore/error.h"
}

TEST(AddrMap, InsertAndFindThroughGrowth) {
    hc_addrmap m;
    ASSERT_TRUE(hc_addrmap_init(&m, 4, nullptr));
    std::vector<uintptr_t> addrs;
    std::mt19937_64 rng(42);
    const uint32_t n = 200000;
    addrs.reserve(n);
    for (uint32_t i = 0; i < n; i++) {
        ASSERT_TRUE(hc_addrmap_reserve(&m, addrs.data(), 1, nullptr));
        uintptr_t a = (rng() & 0xffffffffff0ull) | 0x1000000000000ull;
        addrs.push_back(a);
        uint32_t got = hc_addrmap_get_or_put(&m, addrs.data(), a, i);
        if (got != HC_NONE) {  // random duplicate address: must return the first id
            EXPECT_EQ(addrs[got], a);
            addrs.pop_back();
            continue;
        }
    }
    for (uint32_t i = 0; i < addrs.size(); i++)
        ASSERT_EQ(hc_addrmap_get(&m, addrs.data(), addrs[i]), i);
    EXPECT_EQ(hc_addrmap_get(&m, addrs.data(), 0x10), HC_NONE);
    EXPECT_LE(m.count, (m.mask + 1) * 7 / 10 + 1);
    hc_addrmap_clear(&m);
    hc_addrmap_clear(&m);  // clearing twice is harmless
}

TEST(AddrMap, SequentialAddressesSpreadAcrossSlots) {
    // Objects allocated back to back differ by 16..64 bytes: the hash must not cluster them.
    std::vector<uintptr_t> addrs;
    for (uint32_t i = 0; i < 100000; i++)
        addrs.push_back(0x7f0000000000ull + (uintptr_t)i * 32);
    hc_addrmap m;
    ASSERT_TRUE(hc_addrmap_build(&m, addrs.data(), (uint32_t)addrs.size(), nullptr));
    uint64_t probes = 0;
    for (uint32_t i = 0; i < addrs.size(); i++) {
        uint32_t s = hc_addrmap_hash(&m, addrs[i]);
        while (m.slots[s] != i) {
            s = (s + 1) & m.mask;
            probes++;
        }
    }
    EXPECT_LT((double)probes / addrs.size(), 2.0);  // linear probing at <= 0.7 load
    hc_addrmap_clear(&m);
}

TEST(AddrMap, AllocationFailureIsReported) {
    hc_addrmap m;
    hc_alloc_fail_at(1);
    GError *err = nullptr;
    EXPECT_FALSE(hc_addrmap_init(&m, 100, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_NOMEM);
    g_clear_error(&err);
    hc_alloc_fail_at(0);
}
