// Classifiers (heapcore/kinds.h): "dict of" ownership, modules by name, rcs kinds, sizes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <random>

#include "synth.h"

TEST(Kinds, DictOfOwnerNaming)
{
    SynthHeap h;
    uint32_t r = h.add(0), inst = h.add(1), d1 = h.add(2), d2 = h.add(2);
    h.link(r, inst);
    h.link(inst, d1);
    h.link(r, d2);
    h.objs[inst].dict_of = (int)d1;
    h.type_flags[2] = HC_TYPE_DICT | HC_TYPE_DICTLIKE;
    h.roots = {r};
    g_autoptr(hc_graph) g = h.walk();
    const char *names[] = {"module", "__main__.Node", "dict"};
    for (uint32_t t = 0; t < hc_graph_ntypes(g); t++)
        hc_graph_set_type_name(g, t, names[hc_graph_type_key(g, t) - 1000]);
    GString *s = g_string_new(NULL);
    hc_kind_name(g, HC_BY_CLODO, hc_classify(g, HC_BY_CLODO, id_of(g, d1)), s);
    EXPECT_STREQ(s->str, "dict of __main__.Node");
    g_string_truncate(s, 0);
    hc_kind_name(g, HC_BY_CLODO, hc_classify(g, HC_BY_CLODO, id_of(g, d2)), s);
    EXPECT_STREQ(s->str, "dict (no owner)");
    g_string_truncate(s, 0);
    hc_kind_name(g, HC_BY_TYPE, hc_classify(g, HC_BY_TYPE, id_of(g, d1)), s);
    EXPECT_STREQ(s->str, "dict");
    g_string_free(s, TRUE);
}

TEST(Kinds, ModulesByNameRcsAndSizes)
{
    // Types: 0 plain, 1 a module type.  Three modules, two named alike; a plain object held by
    // a module and by a plain one; sizes 8 and 24.
    SynthHeap h;
    h.type_flags[1] = HC_TYPE_MODULE;
    uint32_t m1 = h.add(1, 24), m2 = h.add(1, 24), m3 = h.add(1, 24), p = h.add(0, 8), q = h.add(0, 8);
    h.link(m1, p);
    h.link(q, p);
    h.link(m2, q);
    h.roots = {m1, m2, m3};
    g_autoptr(hc_graph) g = h.walk();
    hc_graph_set_node_name(g, id_of(g, m1), "alpha");
    hc_graph_set_node_name(g, id_of(g, m2), "beta");
    hc_graph_set_node_name(g, id_of(g, m3), "alpha");
    EXPECT_STREQ(hc_graph_node_name(g, id_of(g, m2)), "beta");
    EXPECT_EQ(hc_graph_node_name(g, id_of(g, p)), nullptr);
    g_autoptr(hc_referrers) refs = hc_referrers_new(g, nullptr);
    g_autoptr(hc_idset) all = hc_idset_new_flags(g, 0, 0, nullptr);
    auto rows = [&](hc_classifier c) {
        g_autoptr(hc_kinds) k = hc_kinds_new(g, c, refs, nullptr);
        g_autoptr(hc_partition) part = hc_partition_new(all, k, nullptr);
        std::map<std::string, std::pair<uint32_t, uint64_t>> out;
        GString *s = g_string_new(NULL);
        for (uint32_t r = 0; r < hc_partition_nrows(part); r++) {
            g_string_truncate(s, 0);
            hc_kinds_name(k, hc_partition_rows(part)[r].kind, s);
            out[s->str] = {hc_partition_rows(part)[r].count, hc_partition_rows(part)[r].size};
        }
        g_string_free(s, TRUE);
        return out;
    };
    using R = std::map<std::string, std::pair<uint32_t, uint64_t>>;
    EXPECT_EQ(rows(HC_BY_MODULE), (R{{"alpha", {2, 48}}, {"beta", {1, 24}}, {"~module", {2, 16}}}));
    EXPECT_EQ(rows(HC_BY_SIZE), (R{{"        8", {2, 16}}, {"       24", {3, 72}}}));
    EXPECT_EQ(rows(HC_BY_UNITY), (R{{"<Anything>", {5, 88}}}));
    // Type names are empty in a synthetic heap: p is referred to by a module and a plain
    // object (two kinds: ", "-joined), q by a module, the modules by nothing.
    R rcs = rows(HC_BY_RCS);
    EXPECT_EQ(rcs["<Nothing>"], (std::pair<uint32_t, uint64_t>{3, 72}));
    EXPECT_EQ(rcs.size(), 3u);
    EXPECT_EQ(rcs[", "], (std::pair<uint32_t, uint64_t>{1, 8}));
    g_autoptr(hc_kinds) bad = hc_kinds_new(g, HC_BY_RCS, nullptr, nullptr);
    EXPECT_EQ(bad, nullptr);
}

TEST(Kinds, RcsKindsAreTheReferrerKindSets)
{
    // On random graphs: two nodes share an rcs kind exactly when the sets of their visible
    // referrers' clodo kinds are equal, and the kind's name lists those kinds' names, sorted.
    std::mt19937 rng(31);
    for (int trial = 0; trial < 300; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 60;
        h.type_flags[4] = HC_TYPE_HIDDEN;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 5);
        for (uint32_t e = rng() % (4 * n + 1); e; e--)
            h.link(rng() % n, rng() % n);
        for (uint32_t i = 0; i < n; i++)
            if (rng() % 3 == 0)
                h.roots.push_back(i);
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        const char *names[] = {"e", "d", "c", "b", "a"};
        for (uint32_t t = 0; t < hc_graph_ntypes(g); t++)
            hc_graph_set_type_name(g, t, names[hc_graph_type_key(g, t) - 1000]);
        g_autoptr(hc_referrers) refs = hc_referrers_new(g, nullptr);
        g_autoptr(hc_kinds) k = hc_kinds_new(g, HC_BY_RCS, refs, nullptr);
        ASSERT_NE(k, nullptr);
        uint32_t gn = hc_graph_n(g);
        std::vector<std::set<std::string>> want(gn);
        for (uint32_t s = 0; s < gn; s++) {
            if (hc_graph_flags(g, s) & HC_NODE_HIDDEN)
                continue;
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, s, &ne);
            GString *nm = g_string_new(NULL);
            hc_kind_name(g, HC_BY_CLODO, hc_classify(g, HC_BY_CLODO, s), nm);
            for (uint32_t j = 0; j < ne; j++)
                want[e[j]].insert(nm->str);
            g_string_free(nm, TRUE);
        }
        GString *got = g_string_new(NULL);
        for (uint32_t a = 0; a < gn; a++) {
            g_string_truncate(got, 0);
            hc_kinds_name(k, hc_kinds_of(k, a), got);
            std::string expect;
            for (const std::string &s : want[a])
                expect += (expect.empty() ? "" : ", ") + s;
            if (want[a].empty())
                expect = "<Nothing>";
            EXPECT_EQ(got->str, expect) << "trial " << trial << " node " << a;
            for (uint32_t b = 0; b < gn; b++)
                EXPECT_EQ(hc_kinds_of(k, a) == hc_kinds_of(k, b), want[a] == want[b]) << trial;
        }
        g_string_free(got, TRUE);
        if (HasFailure())
            return;
    }
}
