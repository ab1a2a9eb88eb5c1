// Reverse edges (heapcore/referrers.h) against the forward CSR, by brute force.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "synth.h"

namespace
{

// The expected referrer lists: every edge s -> t from a visible s, in ascending s order.
std::vector<std::vector<uint32_t>> expected(hc_graph *g)
{
    uint32_t n = hc_graph_n(g);
    std::vector<std::vector<uint32_t>> in(n);
    for (uint32_t s = 0; s < n; s++) {
        if (hc_graph_flags(g, s) & HC_NODE_HIDDEN)
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = 0; k < ne; k++)
            in[e[k]].push_back(s);
    }
    return in;
}

void check(hc_graph *g, std::mt19937 &rng, const std::string &what)
{
    g_autoptr(hc_referrers) r = hc_referrers_new(g, nullptr);
    ASSERT_NE(r, nullptr);
    uint32_t n = hc_graph_n(g);
    auto in = expected(g);
    size_t total = 0;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t k;
        const uint32_t *p = hc_referrers_of(r, t, &k);
        ASSERT_EQ(std::vector<uint32_t>(p, p + k), in[t]) << what << " node " << t;
        total += k;
    }
    EXPECT_GE(hc_referrers_memory(r), total * 4);
    uint32_t k = 7;
    EXPECT_EQ(hc_referrers_of(r, n, &k), nullptr);
    EXPECT_EQ(k, 0u);
    // Sets: the union of the members' referrers / referents.
    for (int t = 0; t < 5 && n; t++) {
        std::vector<uint32_t> ids;
        for (uint32_t i = 0; i < n; i++)
            if (rng() % 3 == 0)
                ids.push_back(i);
        g_autoptr(hc_idset) s = hc_idset_new_copy(g, ids.data(), ids.size(), nullptr);
        std::set<uint32_t> want_in, want_out;
        for (uint32_t v : ids) {
            want_in.insert(in[v].begin(), in[v].end());
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            for (uint32_t j = 0; j < ne; j++)
                if (!(hc_graph_flags(g, e[j]) & HC_NODE_HIDDEN))
                    want_out.insert(e[j]);
        }
        g_autoptr(hc_idset) rin = hc_referrers_set(r, s, nullptr);
        g_autoptr(hc_idset) rout = hc_referents_set(s, nullptr);
        ASSERT_NE(rin, nullptr);
        ASSERT_NE(rout, nullptr);
        EXPECT_EQ(std::vector<uint32_t>(hc_idset_ids(rin), hc_idset_ids(rin) + hc_idset_count(rin)),
                  std::vector<uint32_t>(want_in.begin(), want_in.end()))
            << what;
        EXPECT_EQ(std::vector<uint32_t>(hc_idset_ids(rout), hc_idset_ids(rout) + hc_idset_count(rout)),
                  std::vector<uint32_t>(want_out.begin(), want_out.end()))
            << what;
    }
}

} // namespace

TEST(Referrers, RandomGraphsMatchTheForwardEdges)
{
    std::mt19937 rng(11);
    for (int trial = 0; trial < 500; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 50;
        h.type_flags[3] = HC_TYPE_HIDDEN;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 5 == 0 ? 3 : rng() % 3);
        for (uint32_t e = rng() % (4 * n + 1); e; e--)
            h.link(rng() % n, rng() % n); // repeats, self-loops
        for (uint32_t i = 0; i < n; i++) {
            if (rng() % 4 == 0)
                h.roots.push_back(i);
            if (rng() % 4 == 0)
                h.gc.push_back(i);
        }
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        check(g, rng, "trial " + std::to_string(trial));
        if (HasFailure())
            return;
    }
}

TEST(Referrers, ManyBlocksOfOffsets)
{
    // 300 K nodes: five 2^16-node offset blocks, with edges across them and a popular node.
    std::mt19937 rng(12);
    SynthHeap h;
    const uint32_t n = 300000;
    h.objs.resize(n);
    for (uint32_t i = 0; i + 1 < n; i++)
        h.objs[i].refs.push_back(i + 1);
    for (uint32_t i = 0; i < n; i += 3)
        h.objs[i].refs.push_back(rng() % n);
    for (uint32_t i = 0; i < n; i += 7)
        h.objs[i].refs.push_back(n / 2);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    ASSERT_NE(g, nullptr);
    check(g, rng, "300 K");
}

TEST(Referrers, AllocationFailuresGiveNomem)
{
    SynthHeap h;
    for (int i = 0; i < 200; i++)
        h.add();
    for (int i = 0; i + 1 < 200; i++)
        h.link(i, i + 1), h.link(i, 0);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    bool done = false;
    for (unsigned long nth = 1; nth <= 10 && !done; nth++) {
        hc_alloc_fail_at(nth);
        GError *err = nullptr;
        hc_referrers *r = hc_referrers_new(g, &err);
        unsigned long calls = hc_alloc_fail_at(0);
        if (calls < nth) {
            ASSERT_NE(r, nullptr);
            uint32_t k;
            hc_referrers_of(r, id_of(g, 0), &k);
            EXPECT_EQ(k, 199u);
            hc_referrers_free(r);
            done = true;
            continue;
        }
        EXPECT_EQ(r, nullptr) << nth;
        ASSERT_NE(err, nullptr);
        EXPECT_EQ(err->code, HC_ERROR_NOMEM);
        g_clear_error(&err);
    }
    EXPECT_TRUE(done);
}
