// Dominator tree and retained sizes (heapcore/dominators.h) against a brute-force definition:
// d dominates v iff removing d leaves v unreachable from the super-root.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "synth.h"

namespace {

// Reachable node ids from the super-root of g (roots and complement roots, not hidden), with
// the nodes of `removed` deleted.
std::vector<bool> reach_without(hc_graph *g, const std::set<uint32_t> &removed) {
    uint32_t n = hc_graph_n(g);
    std::vector<bool> seen(n);
    std::vector<uint32_t> stack;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f = hc_graph_flags(g, i);
        if ((f & (HC_NODE_ROOT | HC_NODE_COMPLEMENT)) && !(f & HC_NODE_HIDDEN) && !removed.count(i)) {
            seen[i] = true;
            stack.push_back(i);
        }
    }
    while (!stack.empty()) {
        uint32_t v = stack.back();
        stack.pop_back();
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, v, &ne);
        for (uint32_t k = 0; k < ne; k++) {
            uint32_t t = e[k];
            if (removed.count(t) || seen[t] || (hc_graph_flags(g, t) & HC_NODE_HIDDEN)) continue;
            seen[t] = true;
            stack.push_back(t);
        }
    }
    return seen;
}

// The same with one node deleted (HC_NONE: none).
std::vector<bool> reach(hc_graph *g, uint32_t removed) {
    return reach_without(g, removed == HC_NONE ? std::set<uint32_t>{} : std::set<uint32_t>{removed});
}

void check_against_brute_force(hc_graph *g, const char *what) {
    uint32_t n = hc_graph_n(g);
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    ASSERT_NE(d, nullptr);
    std::vector<bool> all = reach(g, HC_NONE);
    // dom[v] = the nodes whose removal cuts v off (strict dominators).
    std::vector<std::set<uint32_t>> dom(n);
    uint32_t reached = 0;
    for (uint32_t x = 0; x < n; x++) {
        reached += all[x];
        if (!all[x]) continue;
        std::vector<bool> r = reach(g, x);
        for (uint32_t v = 0; v < n; v++)
            if (all[v] && v != x && !r[v]) dom[v].insert(x);
    }
    EXPECT_EQ(hc_domtree_reached(d), reached) << what;
    for (uint32_t v = 0; v < n; v++) {
        if (!all[v]) {
            EXPECT_EQ(hc_domtree_idom(d, v), HC_NONE) << what << " node " << v;
            EXPECT_EQ(hc_domtree_retained(d, v), 0u) << what << " node " << v;
            continue;
        }
        // The immediate dominator is the strict dominator that all the others dominate.
        uint32_t want = HC_DOM_SUPER;
        for (uint32_t x : dom[v])
            if (dom[x].size() + 1 == dom[v].size()) want = x;
        EXPECT_EQ(hc_domtree_idom(d, v), want) << what << " node " << v;
        uint64_t retained = hc_graph_size(g, v);
        for (uint32_t w = 0; w < n; w++)
            if (dom[w].count(v)) retained += hc_graph_size(g, w);
        EXPECT_EQ(hc_domtree_retained(d, v), retained) << what << " node " << v;
        // A one-node set's domisize is its retained size (a reachability pass against the
        // semi-NCA tree: two algorithms).
        EXPECT_EQ(hc_domisize(g, &v, 1, nullptr), retained) << what << " node " << v;
    }
    // Sets: the bytes the super-root no longer reaches with the set removed.
    std::mt19937 rng(n);
    for (int t = 0; t < 5 && n > 0; t++) {
        std::set<uint32_t> s;
        for (uint32_t k = 1 + rng() % 4; k; k--) s.insert(rng() % n);
        std::vector<bool> left = reach_without(g, s);
        uint64_t want = 0;
        for (uint32_t v = 0; v < n; v++)
            if (all[v] && !left[v]) want += hc_graph_size(g, v);
        std::vector<uint32_t> ids(s.begin(), s.end());
        EXPECT_EQ(hc_domisize(g, ids.data(), (uint32_t)ids.size(), nullptr), want) << what << " set " << t;
    }
}

}  // namespace

TEST(Dominators, RandomGraphsMatchBruteForce) {
    std::mt19937 rng(2026);
    for (int trial = 0; trial < 3000; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 40;
        h.type_flags[3] = HC_TYPE_HIDDEN;  // the observer's own: left out of the tree
        for (uint32_t i = 0; i < n; i++) h.add(rng() % 4 == 3 && rng() % 3 == 0 ? 3 : rng() % 3, 1 + rng() % 1000);
        uint32_t ne = rng() % (3 * n + 1);
        for (uint32_t e = 0; e < ne; e++) h.link(rng() % n, rng() % n);  // cycles, self-loops
        for (uint32_t i = 0; i < n; i++) {
            if (rng() % 6 == 0) h.roots.push_back(i);
            if (rng() % 4 == 0) h.gc.push_back(i);  // unreached ones become complement roots
        }
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        std::string what = "trial " + std::to_string(trial);
        check_against_brute_force(g, what.c_str());
        if (HasFailure()) return;
    }
}

TEST(Dominators, ChainDiamondAndManyRoots) {
    // 0 -> 1 -> {2, 3} -> 4 -> 5; a second root 6 -> 4.
    SynthHeap h;
    for (int i = 0; i < 7; i++) h.add(0, 10u << i);
    h.link(0, 1); h.link(1, 2); h.link(1, 3); h.link(2, 4); h.link(3, 4); h.link(4, 5); h.link(6, 4);
    h.roots = {0};
    {
        g_autoptr(hc_graph) g = h.walk();
        g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
        auto id = [&](uint32_t k) { return id_of(g, k); };
        EXPECT_EQ(hc_domtree_idom(d, id(0)), HC_DOM_SUPER);
        EXPECT_EQ(hc_domtree_idom(d, id(2)), id(1));
        EXPECT_EQ(hc_domtree_idom(d, id(4)), id(1));  // through 2 or 3
        EXPECT_EQ(hc_domtree_idom(d, id(5)), id(4));
        EXPECT_EQ(hc_domtree_retained(d, id(1)), (uint64_t)(20 + 40 + 80 + 160 + 320));
        EXPECT_EQ(hc_domtree_retained(d, id(0)), (uint64_t)(10 + 20 + 40 + 80 + 160 + 320));
        EXPECT_EQ(id(6), HC_NONE);  // not reached: not in the snapshot
    }
    h.roots = {0, 6};  // now 4 has two ways in: only the super-root dominates it
    g_autoptr(hc_graph) g = h.walk();
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 4)), HC_DOM_SUPER);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 1)), (uint64_t)(20 + 40 + 80));
    // Neither root alone frees 4 and 5; both together do: more than the sum of retained.
    uint32_t both[2] = {id_of(g, 0), id_of(g, 6)};
    if (both[0] > both[1]) std::swap(both[0], both[1]);
    EXPECT_EQ(hc_domisize(g, both, 2, nullptr), (uint64_t)(10 + 20 + 40 + 80 + 160 + 320 + 640));
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 0)) + hc_domtree_retained(d, id_of(g, 6)), (uint64_t)(10 + 20 + 40 + 80 + 640));
    check_against_brute_force(g, "diamond");
}

TEST(Dominators, TwoMillionLongChainNeedsNoRecursion) {
    SynthHeap h;
    const uint32_t n = 2000000;
    h.objs.resize(n);
    for (uint32_t i = 0; i + 1 < n; i++) h.objs[i].refs.push_back(i + 1);
    h.objs[n - 1].refs.push_back(0);  // and a cycle back
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    ASSERT_NE(g, nullptr);
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 0)), HC_DOM_SUPER);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 1234567)), id_of(g, 1234566));
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 0)), (uint64_t)n * 8);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, n - 1)), 8u);
}

TEST(Dominators, FailingEveryAllocationInTurnGivesNomemOrTheTree) {
    SynthHeap h;
    for (int i = 0; i < 500; i++) h.add(i % 3, 8 + i);
    for (int i = 0; i + 1 < 500; i++) h.link(i, i + 1), h.link(i, (i * 7) % 500);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    hc_alloc_fail_at(0);
    { g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr); ASSERT_NE(d, nullptr); }
    unsigned long calls = hc_alloc_fail_at(0);
    ASSERT_GT(calls, 5u);
    for (unsigned long nth = 1; nth <= calls; nth++) {
        hc_alloc_fail_at(nth);
        GError *err = nullptr;
        hc_domtree *d = hc_domtree_new(g, &err);
        hc_alloc_fail_at(0);
        ASSERT_EQ(d, nullptr) << nth;  // every allocation is needed
        ASSERT_NE(err, nullptr);
        EXPECT_EQ(err->code, HC_ERROR_NOMEM);
        g_clear_error(&err);
    }
}
