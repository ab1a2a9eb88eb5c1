// Partitions (heapcore/partition.h): counts and sizes per kind, sort order, rows as sets.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <random>

#include "synth.h"

TEST(Partition, CountsSizesOrderAndRows)
{
    SynthHeap h;
    uint32_t r = h.add(0, 1);
    for (int i = 0; i < 5; i++)
        h.link(r, h.add(1, 10)); // 5 x type 1 = 50 bytes
    for (int i = 0; i < 2; i++)
        h.link(r, h.add(2, 100)); // 2 x type 2 = 200 bytes
    for (int i = 0; i < 2; i++)
        h.link(r, h.add(3, 25)); // 2 x type 3 = 50 bytes (tie with 1)
    h.roots = {r};
    g_autoptr(hc_graph) g = h.walk();
    const char *names[] = {"root", "b.one", "c.two", "a.three"};
    for (uint32_t t = 0; t < hc_graph_ntypes(g); t++)
        hc_graph_set_type_name(g, t, names[hc_graph_type_key(g, t) - 1000]);
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    g_autoptr(hc_kinds) bytype = hc_kinds_new(g, HC_BY_TYPE, nullptr, nullptr);
    g_autoptr(hc_partition) p = hc_partition_new(all, bytype, nullptr);
    ASSERT_EQ(hc_partition_nrows(p), 4u);
    const hc_row *rows = hc_partition_rows(p);
    GString *s = g_string_new(NULL);
    std::vector<std::string> order;
    for (uint32_t i = 0; i < 4; i++) {
        g_string_truncate(s, 0);
        hc_kind_name(g, HC_BY_TYPE, rows[i].kind, s);
        order.push_back(s->str);
    }
    g_string_free(s, TRUE);
    EXPECT_EQ(order, (std::vector<std::string>{"c.two", "a.three", "b.one", "root"}));
    EXPECT_EQ(rows[0].count, 2u);
    EXPECT_EQ(rows[0].size, 200u);
    EXPECT_EQ(rows[2].count, 5u);
    g_autoptr(hc_idset) row = hc_partition_row_set(p, 2, nullptr);
    EXPECT_EQ(hc_idset_count(row), 5u);
    EXPECT_EQ(hc_idset_size(row), 50u);
    EXPECT_EQ(hc_partition_row_set(p, 4, nullptr), nullptr);
}

// A set big enough for the two-thread selection and counting (threads.h) gives exactly what a
// brute-force count gives: the ids by flags, and per type the count and size, with hidden and
// complement nodes and dict owners in the mix.
TEST(Partition, BigSetsSelectAndCountExactly)
{
    std::mt19937 rng(5);
    SynthHeap h;
    const uint32_t n = 400000;
    h.objs.resize(n);
    h.type_flags[3] = HC_TYPE_DICTLIKE;
    for (uint32_t i = 0; i < n; i++) {
        h.objs[i].type = rng() % 6;
        h.objs[i].size = 16 + rng() % 500;
        if (i + 1 < n)
            h.objs[i].refs.push_back(i + 1);
        if (h.objs[i].type == 1 && i + 7 < n && h.objs[i + 7].type == 3)
            h.objs[i].dict_of = (int)(i + 7);
    }
    h.roots = {0};
    for (uint32_t i = 0; i < n; i += 97)
        h.gc.push_back(i); // all reached anyway: a few roots
    g_autoptr(hc_graph) g = h.walk();
    ASSERT_NE(g, nullptr);
    uint32_t nn = hc_graph_n(g);
    ASSERT_GT(nn, 200000u);
    for (uint32_t require : {0u, (uint32_t)HC_NODE_ROOT})
        for (uint32_t forbid : {0u, (uint32_t)HC_NODE_UNREACH}) {
            std::vector<uint32_t> want;
            for (uint32_t i = 0; i < nn; i++)
                if ((hc_graph_flags(g, i) & require) == require && !(hc_graph_flags(g, i) & forbid))
                    want.push_back(i);
            g_autoptr(hc_idset) s = hc_idset_new_flags(g, require, forbid, nullptr);
            ASSERT_NE(s, nullptr);
            std::vector<uint32_t> got(hc_idset_ids(s), hc_idset_ids(s) + hc_idset_count(s));
            ASSERT_EQ(got, want);
        }
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    for (hc_classifier c : {HC_BY_TYPE, HC_BY_CLODO}) {
        std::map<uint32_t, std::pair<uint32_t, uint64_t>> want;
        for (uint32_t i = 0; i < nn; i++) {
            auto &w = want[hc_classify(g, c, i)];
            w.first++;
            w.second += hc_graph_size(g, i);
        }
        g_autoptr(hc_kinds) k = hc_kinds_new(g, c, nullptr, nullptr);
        g_autoptr(hc_partition) p = hc_partition_new(all, k, nullptr);
        ASSERT_EQ(hc_partition_nrows(p), want.size());
        for (uint32_t r = 0; r < hc_partition_nrows(p); r++) {
            const hc_row &row = hc_partition_rows(p)[r];
            EXPECT_EQ(row.count, want[row.kind].first);
            EXPECT_EQ(row.size, want[row.kind].second);
        }
    }
}
