// Shortest paths from the roots (heapcore/paths.h): every path is real (consecutive nodes are
// edges, it starts at a root, it avoids hidden nodes) and as short as an independent BFS says.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "synth.h"

namespace
{

bool is_start(hc_graph *g, uint32_t v)
{
    uint32_t f = hc_graph_flags(g, v);
    return (f & (HC_NODE_ROOT | HC_NODE_COMPLEMENT)) && !(f & HC_NODE_HIDDEN);
}

// Distance in nodes (1 for a root), 0 if unreached: a BFS from the record-named roots to the
// end, then one from the complement roots for what they did not reach, then one from the
// records labelled skip[0], then skip[1], ...
std::vector<uint32_t> distances(hc_graph *g, const std::vector<std::string> &skip = {})
{
    uint32_t n = hc_graph_n(g);
    std::vector<uint32_t> dist(n);
    for (int round = 0; round < 2 + (int)skip.size(); round++) {
        std::deque<uint32_t> q;
        for (uint32_t r = 0; round != 1 && r < hc_graph_nroots(g); r++) {
            uint32_t v = hc_graph_root_id(g, r);
            int si = -1;
            for (size_t i = 0; i < skip.size() && si < 0; i++)
                if (skip[i] == hc_graph_root_label(g, r))
                    si = (int)i;
            bool mine = round == 0 ? si < 0 : si == round - 2;
            if (!mine || dist[v] || (hc_graph_flags(g, v) & HC_NODE_HIDDEN))
                continue;
            dist[v] = 1, q.push_back(v);
        }
        for (uint32_t v = 0; round == 1 && v < n; v++)
            if (!dist[v] && (hc_graph_flags(g, v) & HC_NODE_COMPLEMENT) && !(hc_graph_flags(g, v) & HC_NODE_HIDDEN))
                dist[v] = 1, q.push_back(v);
        while (!q.empty()) {
            uint32_t v = q.front();
            q.pop_front();
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            for (uint32_t k = 0; k < ne; k++)
                if (!dist[e[k]] && !(hc_graph_flags(g, e[k]) & HC_NODE_HIDDEN))
                    dist[e[k]] = dist[v] + 1, q.push_back(e[k]);
        }
    }
    return dist;
}

bool has_edge(hc_graph *g, uint32_t a, uint32_t b)
{
    uint32_t ne;
    const uint32_t *e = hc_graph_edges(g, a, &ne);
    for (uint32_t k = 0; k < ne; k++)
        if (e[k] == b)
            return true;
    return false;
}

} // namespace

TEST(Paths, RandomGraphsGiveShortestRealPaths)
{
    std::mt19937 rng(77);
    for (int trial = 0; trial < 1000; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 60;
        h.type_flags[3] = HC_TYPE_HIDDEN;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 5 == 0 ? 3 : rng() % 3);
        for (uint32_t e = rng() % (3 * n + 1); e; e--)
            h.link(rng() % n, rng() % n);
        for (uint32_t i = 0; i < n; i++) {
            if (rng() % 7 == 0)
                h.roots.push_back(i);
            if (rng() % 5 == 0)
                h.gc.push_back(i);
        }
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        uint32_t gn = hc_graph_n(g);
        // Often, one or two roots' records are searched from last, in the order given.
        std::vector<std::string> skip_labels;
        for (uint32_t k = rng() % 3; k && !h.roots.empty(); k--)
            skip_labels.push_back("root " + std::to_string(h.roots[rng() % h.roots.size()]));
        std::vector<const char *> skip;
        for (const std::string &s : skip_labels)
            skip.push_back(s.c_str());
        skip.push_back(nullptr);
        std::vector<uint32_t> dist = distances(g, skip_labels);
        // Ask for a random subset (with repeats) first: the search may stop early, yet every
        // asked-for node must have its path.
        std::vector<uint32_t> targets;
        for (uint32_t k = rng() % 4; k; k--)
            targets.push_back(rng() % (gn ? gn : 1));
        bool all = rng() % 2;
        if (all)
            for (uint32_t v = 0; v < gn; v++)
                targets.push_back(v);
        g_autoptr(hc_paths) p = hc_paths_new(g, targets.data(), (uint32_t)targets.size(), skip.data(), nullptr);
        ASSERT_NE(p, nullptr);
        for (uint32_t v : targets) {
            if (v >= gn)
                continue;
            std::vector<uint32_t> path(gn + 1);
            uint32_t len = hc_paths_get(p, v, path.data(), (uint32_t)path.size());
            ASSERT_EQ(len, dist[v]) << "trial " << trial << " node " << v;
            if (!len)
                continue;
            EXPECT_TRUE(is_start(g, path[0])) << "trial " << trial;
            EXPECT_EQ(path[len - 1], v);
            for (uint32_t i = 0; i + 1 < len; i++) {
                EXPECT_TRUE(has_edge(g, path[i], path[i + 1])) << "trial " << trial;
                EXPECT_FALSE(hc_graph_flags(g, path[i + 1]) & HC_NODE_HIDDEN);
            }
            // A short buffer gets the path's first nodes and the full length.
            uint32_t first = HC_NONE;
            EXPECT_EQ(hc_paths_get(p, v, &first, 1), len);
            EXPECT_EQ(first, path[0]);
        }
        if (HasFailure())
            return;
    }
}

TEST(Paths, RootRecordsComeFirstAndNameThePath)
{
    // 0 and 1 are both roots reaching 2; record order puts 1 first, so 2's path starts at 1.
    SynthHeap h;
    for (int i = 0; i < 3; i++)
        h.add();
    h.link(0, 2);
    h.link(1, 2);
    h.roots = {1, 0};
    g_autoptr(hc_graph) g = h.walk();
    uint32_t t = id_of(g, 2), path[2];
    g_autoptr(hc_paths) p = hc_paths_new(g, &t, 1, nullptr, nullptr);
    ASSERT_EQ(hc_paths_get(p, t, path, 2), 2u);
    EXPECT_EQ(path[0], id_of(g, 1));
    uint32_t r = hc_paths_root_record(g, path[0], nullptr);
    ASSERT_NE(r, HC_NONE);
    EXPECT_EQ(hc_graph_root_id(g, r), id_of(g, 1));
    EXPECT_EQ(hc_paths_root_record(g, t, nullptr), HC_NONE);
}

TEST(Paths, AllocationFailuresGiveNomem)
{
    SynthHeap h;
    for (int i = 0; i < 100; i++)
        h.add();
    for (int i = 0; i + 1 < 100; i++)
        h.link(i, i + 1);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    uint32_t t = id_of(g, 99);
    bool done = false;
    for (unsigned long nth = 1; nth <= 10 && !done; nth++) {
        hc_alloc_fail_at(nth);
        GError *err = nullptr;
        hc_paths *p = hc_paths_new(g, &t, 1, nullptr, &err);
        unsigned long calls = hc_alloc_fail_at(0);
        if (calls < nth) { // all allocations done: the paths exist
            ASSERT_NE(p, nullptr);
            EXPECT_EQ(hc_paths_get(p, t, nullptr, 0), 100u);
            hc_paths_free(p);
            done = true;
            continue;
        }
        EXPECT_EQ(p, nullptr) << nth;
        ASSERT_NE(err, nullptr);
        EXPECT_EQ(err->code, HC_ERROR_NOMEM);
        g_clear_error(&err);
    }
    EXPECT_TRUE(done);
}

TEST(Paths, LateRootsAreSearchedAfterTheOthers)
{
    // 0 reaches 2 in one hop, 1 in two (1 -> 3 -> 2); with 0's record late, 2's path starts at
    // 1, is named by 1's record, and 0 itself is still reached (from its own record).
    SynthHeap h;
    for (int i = 0; i < 4; i++)
        h.add();
    h.link(0, 2);
    h.link(1, 3);
    h.link(3, 2);
    h.roots = {0, 1};
    g_autoptr(hc_graph) g = h.walk();
    uint32_t t[2] = {id_of(g, 2), id_of(g, 0)}, path[3];
    const char *late[] = {"root 0", nullptr};
    g_autoptr(hc_paths) p = hc_paths_new_late(g, t, 2, late, nullptr, nullptr);
    ASSERT_EQ(hc_paths_get(p, t[0], path, 3), 3u);
    EXPECT_EQ(path[0], id_of(g, 1));
    EXPECT_EQ(hc_paths_len(p, t[1]), 1u);
    g_autoptr(hc_paths) q = hc_paths_new(g, t, 1, nullptr, nullptr);
    EXPECT_EQ(hc_paths_len(q, t[0]), 2u);
    uint32_t r = hc_paths_root_record_late(g, path[0], late);
    ASSERT_NE(r, HC_NONE);
    EXPECT_EQ(hc_graph_root_id(g, r), id_of(g, 1));
    EXPECT_EQ(hc_graph_root_id(g, hc_paths_root_record_late(g, id_of(g, 0), late)), id_of(g, 0));
}
