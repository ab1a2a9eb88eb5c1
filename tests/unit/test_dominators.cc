// Dominator tree and retained sizes (heapcore/dominators.h) against a brute-force definition:
// d dominates v iff removing d leaves v unreachable from the super-root.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "synth.h"

namespace
{

// Reachable node ids from the super-root of g (roots and complement roots, not hidden), with
// the nodes of `removed` deleted.
std::vector<bool> reach_without(hc_graph *g, const std::set<uint32_t> &removed)
{
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
            if (removed.count(t) || seen[t] || (hc_graph_flags(g, t) & HC_NODE_HIDDEN))
                continue;
            seen[t] = true;
            stack.push_back(t);
        }
    }
    return seen;
}

// The same with one node deleted (HC_NONE: none).
std::vector<bool> reach(hc_graph *g, uint32_t removed)
{
    return reach_without(g, removed == HC_NONE ? std::set<uint32_t>{} : std::set<uint32_t>{removed});
}

std::vector<uint32_t> members(hc_idset *s)
{
    return std::vector<uint32_t>(hc_idset_ids(s), hc_idset_ids(s) + hc_idset_count(s));
}

void check_against_brute_force(hc_graph *g, const char *what)
{
    uint32_t n = hc_graph_n(g);
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    ASSERT_NE(d, nullptr);
    g_autoptr(hc_reach) r = hc_reach_new(g, nullptr);
    ASSERT_NE(r, nullptr);
    std::vector<bool> all = reach(g, HC_NONE);
    // dom[v] = the nodes whose removal cuts v off (strict dominators).
    std::vector<std::set<uint32_t>> dom(n);
    uint32_t reached = 0;
    for (uint32_t x = 0; x < n; x++) {
        reached += all[x];
        if (!all[x])
            continue;
        std::vector<bool> r = reach(g, x);
        for (uint32_t v = 0; v < n; v++)
            if (all[v] && v != x && !r[v])
                dom[v].insert(x);
    }
    EXPECT_EQ(hc_domtree_reached(d), reached) << what;
    uint64_t total = 0;
    for (uint32_t v = 0; v < n; v++)
        if (all[v])
            total += hc_graph_size(g, v);
    EXPECT_EQ(hc_domtree_total(d), total) << what;
    EXPECT_EQ(hc_reach_total(r), total) << what;
    for (uint32_t v = 0; v < n; v++) {
        g_autoptr(hc_idset) sub = hc_domtree_dominated(d, v, nullptr);
        ASSERT_NE(sub, nullptr);
        if (!all[v]) {
            EXPECT_EQ(hc_domtree_idom(d, v), HC_NONE) << what << " node " << v;
            EXPECT_EQ(hc_domtree_retained(d, v), 0u) << what << " node " << v;
            EXPECT_EQ(hc_idset_count(sub), 0u) << what << " node " << v;
            continue;
        }
        // The nodes v dominates (its subtree, one run of the tree's preorder) and, by the
        // reachability pass, what becomes unreachable without v: both the brute-force set.
        std::vector<uint32_t> below{v};
        for (uint32_t w = 0; w < n; w++)
            if (dom[w].count(v))
                below.push_back(w);
        std::sort(below.begin(), below.end());
        EXPECT_EQ(members(sub), below) << what << " node " << v;
        g_autoptr(hc_idset) gone = hc_dominos(r, &v, 1, nullptr);
        ASSERT_NE(gone, nullptr);
        EXPECT_EQ(members(gone), below) << what << " node " << v;
        // The immediate dominator is the strict dominator that all the others dominate.
        uint32_t want = HC_DOM_SUPER;
        for (uint32_t x : dom[v])
            if (dom[x].size() + 1 == dom[v].size())
                want = x;
        EXPECT_EQ(hc_domtree_idom(d, v), want) << what << " node " << v;
        uint64_t retained = hc_graph_size(g, v);
        for (uint32_t w = 0; w < n; w++)
            if (dom[w].count(v))
                retained += hc_graph_size(g, w);
        EXPECT_EQ(hc_domtree_retained(d, v), retained) << what << " node " << v;
        // A one-node set's domisize is its retained size (a reachability pass against the
        // semi-NCA tree: two algorithms).
        EXPECT_EQ(hc_domisize(r, &v, 1, nullptr), retained) << what << " node " << v;
    }
    // Each node's children in the tree (and the super-root's): their number, the sum of their
    // retained sizes and all of them largest first, ties by id (read through the sibling index
    // the first call makes).
    for (uint32_t v = 0; v <= n; v++) {
        uint32_t id = v == n ? HC_DOM_SUPER : v;
        if (id != HC_DOM_SUPER && !all[id])
            continue;
        std::vector<uint32_t> kids;
        uint64_t sum = 0;
        for (uint32_t w = 0; w < n; w++)
            if (all[w] && hc_domtree_idom(d, w) == id) {
                kids.push_back(w);
                sum += hc_domtree_retained(d, w);
            }
        std::sort(kids.begin(), kids.end(), [&](uint32_t a, uint32_t b) {
            uint64_t ra = hc_domtree_retained(d, a), rb = hc_domtree_retained(d, b);
            return ra != rb ? ra > rb : a < b;
        });
        std::vector<uint32_t> got(kids.size() + 1);
        uint32_t count = 0;
        uint64_t total = 0;
        uint32_t m = hc_domtree_top_children(d, id, (uint32_t)kids.size() + 1, got.data(), &count, &total);
        got.resize(m);
        EXPECT_EQ(count, kids.size()) << what << " children of " << v;
        EXPECT_EQ(total, sum) << what << " children of " << v;
        EXPECT_EQ(got, kids) << what << " children of " << v;
    }
    // Sets: the bytes the super-root no longer reaches with the set removed.
    std::mt19937 rng(n);
    for (int t = 0; t < 5 && n > 0; t++) {
        std::set<uint32_t> s;
        for (uint32_t k = 1 + rng() % 4; k; k--)
            s.insert(rng() % n);
        std::vector<bool> left = reach_without(g, s);
        uint64_t want = 0;
        for (uint32_t v = 0; v < n; v++)
            if (all[v] && !left[v])
                want += hc_graph_size(g, v);
        std::vector<uint32_t> ids(s.begin(), s.end());
        EXPECT_EQ(hc_domisize(r, ids.data(), (uint32_t)ids.size(), nullptr), want) << what << " set " << t;
        std::vector<uint32_t> gone_want;
        for (uint32_t v = 0; v < n; v++)
            if (all[v] && !left[v])
                gone_want.push_back(v);
        g_autoptr(hc_idset) gone = hc_dominos(r, ids.data(), (uint32_t)ids.size(), nullptr);
        ASSERT_NE(gone, nullptr);
        EXPECT_EQ(members(gone), gone_want) << what << " set " << t;
        g_autoptr(hc_idset) set = hc_idset_new_copy(g, ids.data(), ids.size(), nullptr);
        // One step up: the members' immediate dominators outside the set.
        std::set<uint32_t> up;
        for (uint32_t v : s) {
            uint32_t i = hc_domtree_idom(d, v);
            if (i != HC_NONE && i != HC_DOM_SUPER && !s.count(i))
                up.insert(i);
        }
        g_autoptr(hc_idset) ups = hc_domtree_idoms(d, set, nullptr);
        ASSERT_NE(ups, nullptr);
        EXPECT_EQ(members(ups), std::vector<uint32_t>(up.begin(), up.end())) << what << " set " << t;
        // The k largest retained sizes, largest first, ties by id.
        std::vector<uint32_t> order(ids);
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
            uint64_t ra = hc_domtree_retained(d, a), rb = hc_domtree_retained(d, b);
            return ra != rb ? ra > rb : a < b;
        });
        uint32_t k = rng() % 5;
        std::vector<uint32_t> got(k + 1);
        uint32_t m = hc_domtree_top(d, set, k, got.data());
        got.resize(m);
        order.resize(std::min<size_t>(k, order.size()));
        EXPECT_EQ(got, order) << what << " set " << t << " k " << k;
        // Retained by kind of a small set (fewer than an eighth of the nodes: the pass covers
        // only the members' run of the tree's preorder).
        g_autoptr(hc_kinds) bytype = hc_kinds_new(g, HC_BY_TYPE, nullptr, nullptr);
        ASSERT_NE(bytype, nullptr);
        std::vector<uint64_t> want_k(hc_kinds_count(bytype)), got_k(want_k.size());
        for (uint32_t v : s) {
            if (!all[v])
                continue;
            bool covered = false;
            for (uint32_t x : dom[v])
                covered |= s.count(x) && hc_kinds_of(bytype, x) == hc_kinds_of(bytype, v);
            if (!covered)
                want_k[hc_kinds_of(bytype, v)] += hc_domtree_retained(d, v);
        }
        ASSERT_TRUE(hc_domtree_retained_by_kind(d, set, bytype, got_k.data(), nullptr));
        EXPECT_EQ(got_k, want_k) << what << " small set " << t;
    }
    // Retained by kind, for the whole graph and a random half: a member counts when no other
    // member of its kind strictly dominates it.
    for (int half = 0; half < 2; half++) {
        std::vector<uint32_t> ids;
        for (uint32_t v = 0; v < n; v++)
            if (!half || rng() % 2)
                ids.push_back(v);
        g_autoptr(hc_idset) set = hc_idset_new_copy(g, ids.data(), ids.size(), nullptr);
        std::set<uint32_t> in(ids.begin(), ids.end());
        g_autoptr(hc_referrers) refs = hc_referrers_new(g, nullptr);
        for (hc_classifier c : {HC_BY_TYPE, HC_BY_CLODO, HC_BY_RCS, HC_BY_SIZE, HC_BY_UNITY, HC_BY_MODULE}) {
            g_autoptr(hc_kinds) kinds = hc_kinds_new(g, c, refs, nullptr);
            ASSERT_NE(kinds, nullptr);
            std::vector<uint64_t> want(hc_kinds_count(kinds)), got(want.size() + 1, 7);
            for (uint32_t v : ids) {
                if (!all[v])
                    continue;
                uint32_t k = hc_kinds_of(kinds, v);
                bool covered = false;
                for (uint32_t x : dom[v])
                    covered |= in.count(x) && hc_kinds_of(kinds, x) == k;
                if (!covered)
                    want[k] += hc_domtree_retained(d, v);
            }
            ASSERT_TRUE(hc_domtree_retained_by_kind(d, set, kinds, got.data(), nullptr));
            EXPECT_EQ(got.back(), 7u) << "wrote past the kinds";
            got.pop_back();
            EXPECT_EQ(got, want) << what << " half " << half << " classifier " << c;
            for (uint64_t x : got)
                EXPECT_LE(x, total);
        }
    }
}

} // namespace

TEST(Dominators, RandomGraphsMatchBruteForce)
{
    std::mt19937 rng(2026);
    for (int trial = 0; trial < 3000; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 40;
        h.type_flags[3] = HC_TYPE_HIDDEN; // the observer's own: left out of the tree
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 4 == 3 && rng() % 3 == 0 ? 3 : rng() % 3, 1 + rng() % 1000);
        uint32_t ne = rng() % (3 * n + 1);
        for (uint32_t e = 0; e < ne; e++)
            h.link(rng() % n, rng() % n); // cycles, self-loops
        for (uint32_t i = 0; i < n; i++) {
            if (rng() % 6 == 0)
                h.roots.push_back(i);
            if (rng() % 4 == 0)
                h.gc.push_back(i); // unreached ones become complement roots
        }
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        std::string what = "trial " + std::to_string(trial);
        check_against_brute_force(g, what.c_str());
        if (HasFailure())
            return;
    }
}

TEST(Dominators, ChainDiamondAndManyRoots)
{
    // 0 -> 1 -> {2, 3} -> 4 -> 5; a second root 6 -> 4.
    SynthHeap h;
    for (int i = 0; i < 7; i++)
        h.add(0, 10u << i);
    h.link(0, 1);
    h.link(1, 2);
    h.link(1, 3);
    h.link(2, 4);
    h.link(3, 4);
    h.link(4, 5);
    h.link(6, 4);
    h.roots = {0};
    {
        g_autoptr(hc_graph) g = h.walk();
        g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
        auto id = [&](uint32_t k) { return id_of(g, k); };
        EXPECT_EQ(hc_domtree_idom(d, id(0)), HC_DOM_SUPER);
        EXPECT_EQ(hc_domtree_idom(d, id(2)), id(1));
        EXPECT_EQ(hc_domtree_idom(d, id(4)), id(1)); // through 2 or 3
        EXPECT_EQ(hc_domtree_idom(d, id(5)), id(4));
        EXPECT_EQ(hc_domtree_retained(d, id(1)), (uint64_t)(20 + 40 + 80 + 160 + 320));
        EXPECT_EQ(hc_domtree_retained(d, id(0)), (uint64_t)(10 + 20 + 40 + 80 + 160 + 320));
        EXPECT_EQ(id(6), HC_NONE); // not reached: not in the snapshot
    }
    h.roots = {0, 6}; // now 4 has two ways in: only the super-root dominates it
    g_autoptr(hc_graph) g = h.walk();
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 4)), HC_DOM_SUPER);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 1)), (uint64_t)(20 + 40 + 80));
    // Neither root alone frees 4 and 5; both together do: more than the sum of retained.
    uint32_t both[2] = {id_of(g, 0), id_of(g, 6)};
    if (both[0] > both[1])
        std::swap(both[0], both[1]);
    g_autoptr(hc_reach) r = hc_reach_new(g, nullptr);
    EXPECT_EQ(hc_domisize(r, both, 2, nullptr), (uint64_t)(10 + 20 + 40 + 80 + 160 + 320 + 640));
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 0)) + hc_domtree_retained(d, id_of(g, 6)),
              (uint64_t)(10 + 20 + 40 + 80 + 640));
    check_against_brute_force(g, "diamond");
}

TEST(Dominators, TwoMillionLongChainNeedsNoRecursion)
{
    SynthHeap h;
    const uint32_t n = 2000000;
    h.objs.resize(n);
    for (uint32_t i = 0; i + 1 < n; i++)
        h.objs[i].refs.push_back(i + 1);
    h.objs[n - 1].refs.push_back(0); // and a cycle back
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    ASSERT_NE(g, nullptr);
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 0)), HC_DOM_SUPER);
    EXPECT_EQ(hc_domtree_idom(d, id_of(g, 1234567)), id_of(g, 1234566));
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 0)), (uint64_t)n * 8);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, n - 1)), 8u);
    // The subtree of a node deep in the chain is the rest of the chain: one run.
    g_autoptr(hc_idset) below = hc_domtree_dominated(d, id_of(g, n - 10), nullptr);
    ASSERT_NE(below, nullptr);
    EXPECT_EQ(hc_idset_count(below), 10u);
    // Retained by kind walks a path as deep as the chain: only the head counts.
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    std::vector<uint64_t> per(2 * hc_graph_ntypes(g));
    g_autoptr(hc_kinds) bytype = hc_kinds_new(g, HC_BY_TYPE, nullptr, nullptr);
    ASSERT_TRUE(hc_domtree_retained_by_kind(d, all, bytype, per.data(), nullptr));
    EXPECT_EQ(per[hc_classify(g, HC_BY_TYPE, id_of(g, 0))], (uint64_t)n * 8);
}

TEST(Dominators, RetainedSizesPast4GiB)
{
    // 0 -> 1 -> 2 -> 3, each 3 GiB but the last: retained sizes need more than 32 bits.
    SynthHeap h;
    const uint64_t big = 3ull << 30;
    h.add(0, big);
    h.add(0, big);
    h.add(1, 16);
    h.add(0, big);
    h.link(0, 1);
    h.link(1, 2);
    h.link(2, 3);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 0)), 3 * big + 16);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 1)), 2 * big + 16);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 2)), big + 16);
    EXPECT_EQ(hc_domtree_retained(d, id_of(g, 3)), big);
    EXPECT_EQ(hc_domtree_total(d), 3 * big + 16);
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    uint32_t top[4];
    ASSERT_EQ(hc_domtree_top(d, all, 4, top), 4u);
    EXPECT_EQ(top[0], id_of(g, 0));
    EXPECT_EQ(top[1], id_of(g, 1));
    EXPECT_EQ(top[2], id_of(g, 2));
    EXPECT_EQ(top[3], id_of(g, 3));
    check_against_brute_force(g, "past 4 GiB");
}

TEST(Dominators, FailingEveryAllocationInTurnGivesNomemOrTheTree)
{
    SynthHeap h;
    for (int i = 0; i < 500; i++)
        h.add(i % 3, 8 + i);
    for (int i = 0; i + 1 < 500; i++)
        h.link(i, i + 1), h.link(i, (i * 7) % 500);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    hc_alloc_fail_at(0);
    {
        g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
        ASSERT_NE(d, nullptr);
    }
    unsigned long calls = hc_alloc_fail_at(0);
    ASSERT_GT(calls, 5u);
    for (unsigned long nth = 1; nth <= calls; nth++) {
        hc_alloc_fail_at(nth);
        GError *err = nullptr;
        hc_domtree *d = hc_domtree_new(g, &err);
        hc_alloc_fail_at(0);
        ASSERT_EQ(d, nullptr) << nth; // every allocation is needed
        ASSERT_NE(err, nullptr);
        EXPECT_EQ(err->code, HC_ERROR_NOMEM);
        g_clear_error(&err);
    }
    // A node's children without memory for the sibling index: the same answer, read by a scan
    // of the subtree; then with it.
    {
        g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
        uint32_t out[3][8], count[3];
        uint64_t total[3];
        uint32_t m[3];
        hc_alloc_fail_at(1);
        m[0] = hc_domtree_top_children(d, 0, 8, out[0], &count[0], &total[0]);
        hc_alloc_fail_at(0);
        m[1] = hc_domtree_top_children(d, 0, 8, out[1], &count[1], &total[1]);
        m[2] = hc_domtree_top_children(d, HC_DOM_SUPER, 8, out[2], &count[2], &total[2]);
        EXPECT_EQ(m[0], m[1]);
        EXPECT_EQ(count[0], count[1]);
        EXPECT_EQ(total[0], total[1]);
        EXPECT_EQ(std::vector<uint32_t>(out[0], out[0] + m[0]), std::vector<uint32_t>(out[1], out[1] + m[1]));
        EXPECT_GE(count[0], 1u);
        EXPECT_EQ(count[2], 1u); // node 0, the only root
        EXPECT_EQ(total[2], hc_domtree_total(d));
    }
    // The queries over a tree and a reachability pass: NOMEM or the right answer.
    g_autoptr(hc_domtree) d = hc_domtree_new(g, nullptr);
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    std::vector<uint64_t> want(2 * hc_graph_ntypes(g)), got(want.size());
    g_autoptr(hc_kinds) bytype = hc_kinds_new(g, HC_BY_TYPE, nullptr, nullptr);
    ASSERT_TRUE(hc_domtree_retained_by_kind(d, all, bytype, want.data(), nullptr));
    uint32_t two[2] = {id_of(g, 3), id_of(g, 9)};
    g_autoptr(hc_reach) r0 = hc_reach_new(g, nullptr);
    uint64_t want_size = hc_domisize(r0, two, 2, nullptr);
    for (unsigned long nth = 1;; nth++) {
        hc_alloc_fail_at(nth);
        GError *err = nullptr;
        bool ok_kind = hc_domtree_retained_by_kind(d, all, bytype, got.data(), &err);
        g_clear_error(&err);
        hc_reach *r = hc_reach_new(g, &err);
        g_clear_error(&err);
        uint64_t size = r ? hc_domisize(r, two, 2, &err) : UINT64_MAX;
        g_clear_error(&err);
        hc_idset *gone = r ? hc_dominos(r, two, 2, &err) : nullptr;
        g_clear_error(&err);
        hc_idset *sub = hc_domtree_dominated(d, id_of(g, 3), &err);
        g_clear_error(&err);
        unsigned long calls = hc_alloc_fail_at(0);
        if (ok_kind) {
            EXPECT_EQ(got, want) << nth;
        }
        if (size != UINT64_MAX) {
            EXPECT_EQ(size, want_size) << nth;
        }
        uint64_t gone_size = 0;
        if (gone)
            for (uint32_t v : members(gone))
                gone_size += hc_graph_size(g, v);
        if (gone) {
            EXPECT_EQ(gone_size, want_size) << nth;
        }
        hc_idset_unref(gone);
        hc_idset_unref(sub);
        hc_reach_free(r);
        if (calls < nth) { // no allocation failed: everything must have succeeded
            EXPECT_TRUE(ok_kind && gone && sub && size != UINT64_MAX);
            EXPECT_GT(nth, 6u);
            break;
        }
    }
}
