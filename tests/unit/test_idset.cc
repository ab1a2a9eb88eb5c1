// Heap sets: algebra laws against std::set, cross-snapshot difference by (address, type).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "synth.h"

static hc_idset *make(hc_graph *g, const std::set<uint32_t> &ids)
{
    std::vector<uint32_t> v(ids.begin(), ids.end());
    return hc_idset_new_copy(g, v.data(), v.size(), nullptr);
}

static std::set<uint32_t> members(const hc_idset *s)
{
    return std::set<uint32_t>(hc_idset_ids(s), hc_idset_ids(s) + hc_idset_count(s));
}

static hc_graph *line_graph(uint32_t n)
{
    SynthHeap h;
    for (uint32_t i = 0; i < n; i++)
        h.add(i % 3, i + 1);
    for (uint32_t i = 0; i + 1 < n; i++)
        h.link(i, i + 1);
    h.roots = {0};
    return h.walk();
}

TEST(IdSet, AlgebraMatchesStdSet)
{
    g_autoptr(hc_graph) g = line_graph(200);
    std::mt19937 rng(3);
    for (int trial = 0; trial < 200; trial++) {
        std::set<uint32_t> A, B;
        for (int i = 0; i < 80; i++)
            A.insert(rng() % 200), B.insert(rng() % 200);
        g_autoptr(hc_idset) a = make(g, A);
        g_autoptr(hc_idset) b = make(g, B);
        std::set<uint32_t> u, in, d, x;
        std::set_union(A.begin(), A.end(), B.begin(), B.end(), std::inserter(u, u.end()));
        std::set_intersection(A.begin(), A.end(), B.begin(), B.end(), std::inserter(in, in.end()));
        std::set_difference(A.begin(), A.end(), B.begin(), B.end(), std::inserter(d, d.end()));
        std::set_symmetric_difference(A.begin(), A.end(), B.begin(), B.end(), std::inserter(x, x.end()));
        g_autoptr(hc_idset) su = hc_idset_op(a, b, HC_SET_OR, nullptr);
        g_autoptr(hc_idset) si = hc_idset_op(a, b, HC_SET_AND, nullptr);
        g_autoptr(hc_idset) sd = hc_idset_op(a, b, HC_SET_SUB, nullptr);
        g_autoptr(hc_idset) sx = hc_idset_op(a, b, HC_SET_XOR, nullptr);
        EXPECT_EQ(members(su), u);
        EXPECT_EQ(members(si), in);
        EXPECT_EQ(members(sd), d);
        EXPECT_EQ(members(sx), x);
        EXPECT_EQ(hc_idset_subset(a, b), std::includes(B.begin(), B.end(), A.begin(), A.end()));
        EXPECT_TRUE(hc_idset_subset(si, a));
        EXPECT_TRUE(hc_idset_subset(a, su));
        EXPECT_EQ(hc_idset_equal(a, b), A == B);
        uint64_t size = 0;
        for (uint32_t i : A)
            size += hc_graph_size(g, i);
        EXPECT_EQ(hc_idset_size(a), size);
    }
}

// An intersection where one side is far smaller takes another path (galloping through the
// big side): the same members as std::set_intersection, for small sets at the ends, in the
// middle, empty, one member, and both orders.
TEST(IdSet, IntersectionOfASmallAndABigSetMatchesStdSet)
{
    const uint32_t n = 20000;
    g_autoptr(hc_graph) g = line_graph(n);
    std::mt19937 rng(9);
    for (int trial = 0; trial < 300; trial++) {
        std::set<uint32_t> A, B;
        uint32_t nb = 2000 + rng() % 15000, na = trial % 7 == 0 ? 0 : 1 + rng() % 60;
        uint32_t lo = rng() % n, span = 1 + rng() % n;
        while (B.size() < nb)
            B.insert(rng() % n);
        while (A.size() < na)
            A.insert(trial % 3 == 0 ? *std::next(B.begin(), rng() % B.size()) : (lo + rng() % span) % n);
        if (trial % 5 == 0)
            A.insert(n - 1), A.insert(0);
        g_autoptr(hc_idset) a = make(g, A);
        g_autoptr(hc_idset) b = make(g, B);
        std::set<uint32_t> in;
        std::set_intersection(A.begin(), A.end(), B.begin(), B.end(), std::inserter(in, in.end()));
        g_autoptr(hc_idset) ab = hc_idset_op(a, b, HC_SET_AND, nullptr);
        g_autoptr(hc_idset) ba = hc_idset_op(b, a, HC_SET_AND, nullptr);
        ASSERT_EQ(members(ab), in) << trial;
        ASSERT_EQ(members(ba), in) << trial;
        ASSERT_TRUE(std::is_sorted(hc_idset_ids(ab), hc_idset_ids(ab) + hc_idset_count(ab)));
    }
}

TEST(IdSet, CopySortsDeduplicatesAndRejectsBadIds)
{
    g_autoptr(hc_graph) g = line_graph(10);
    uint32_t ids[] = {5, 1, 5, 3};
    g_autoptr(hc_idset) s = hc_idset_new_copy(g, ids, 4, nullptr);
    EXPECT_EQ(members(s), (std::set<uint32_t>{1, 3, 5}));
    uint32_t bad[] = {1, 10};
    GError *err = nullptr;
    EXPECT_EQ(hc_idset_new_copy(g, bad, 2, &err), nullptr);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_INVALID);
    g_clear_error(&err);
}

TEST(IdSet, OperationsAcrossSnapshotsAreRefused)
{
    g_autoptr(hc_graph) g1 = line_graph(5);
    g_autoptr(hc_graph) g2 = line_graph(5);
    g_autoptr(hc_idset) a = hc_idset_new_flags(g1, 0, 0, nullptr);
    g_autoptr(hc_idset) b = hc_idset_new_flags(g2, 0, 0, nullptr);
    GError *err = nullptr;
    EXPECT_EQ(hc_idset_op(a, b, HC_SET_OR, &err), nullptr);
    EXPECT_EQ(err->code, HC_ERROR_INVALID);
    g_clear_error(&err);
}

TEST(IdSet, ForeignDifferenceMatchesByAddressAndType)
{
    SynthHeap h;
    for (int i = 0; i < 6; i++)
        h.add(0);
    for (int i = 0; i < 5; i++)
        h.link(i, i + 1);
    h.roots = {0};
    g_autoptr(hc_graph) before = h.walk();
    h.add(0); // a new object 6
    h.link(5, 6);
    h.objs[3].type = 1; // object 3 "reused" by an object of another type
    g_autoptr(hc_graph) after = h.walk();
    g_autoptr(hc_idset) a = hc_idset_new_flags(after, 0, 0, nullptr);
    g_autoptr(hc_idset) b = hc_idset_new_flags(before, 0, 0, nullptr);
    g_autoptr(hc_idset) d = hc_idset_sub_foreign(a, b, nullptr);
    std::set<uint32_t> want = {id_of(after, 3), id_of(after, 6)};
    EXPECT_EQ(members(d), want);
}
