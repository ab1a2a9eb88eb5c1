// Shortest paths from the roots (heapcore/paths.h): every path is real (consecutive nodes are
// edges, it starts at a root, it avoids hidden nodes) and as short as an independent BFS says.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <set>
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

namespace
{

// An independent search for the all-paths tests: distance (nodes; 0 unreached) and round of
// every node, from src (one round) if given, else the root records then the complement roots,
// avoiding the nodes `avoid` and the edges `avoid_edges` ((HC_NONE, v): v is no start).
struct Search {
    std::vector<uint32_t> dist, round;
};

Search search(hc_graph *g, const std::vector<uint32_t> *src, const std::set<uint32_t> &avoid,
              const std::set<std::pair<uint32_t, uint32_t>> &avoid_edges)
{
    uint32_t n = hc_graph_n(g);
    Search s{std::vector<uint32_t>(n), std::vector<uint32_t>(n)};
    auto hidden = [&](uint32_t v) { return (hc_graph_flags(g, v) & HC_NODE_HIDDEN) || avoid.count(v); };
    for (int round = 0; round < (src ? 1 : 2); round++) {
        std::deque<uint32_t> q;
        std::vector<uint32_t> starts;
        if (src)
            starts = *src;
        else if (round == 0)
            for (uint32_t r = 0; r < hc_graph_nroots(g); r++)
                starts.push_back(hc_graph_root_id(g, r));
        else
            for (uint32_t v = 0; v < n; v++)
                if (hc_graph_flags(g, v) & HC_NODE_COMPLEMENT)
                    starts.push_back(v);
        for (uint32_t v : starts)
            if (!s.dist[v] && !hidden(v) && !avoid_edges.count({HC_NONE, v}))
                s.dist[v] = 1, s.round[v] = round, q.push_back(v);
        while (!q.empty()) {
            uint32_t v = q.front(), ne;
            q.pop_front();
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            for (uint32_t k = 0; k < ne; k++)
                if (!s.dist[e[k]] && !hidden(e[k]) && !avoid_edges.count({v, e[k]}))
                    s.dist[e[k]] = s.dist[v] + 1, s.round[e[k]] = round, q.push_back(e[k]);
        }
    }
    return s;
}

// Every shortest path to v, by brute force: chains of in-edges one hop nearer, same round.
void all_paths(hc_graph *g, const Search &s, const std::set<std::pair<uint32_t, uint32_t>> &avoid_edges, uint32_t v,
               std::vector<uint32_t> &tail, std::set<std::vector<uint32_t>> &out)
{
    tail.push_back(v);
    if (s.dist[v] == 1) {
        out.insert(std::vector<uint32_t>(tail.rbegin(), tail.rend()));
    } else {
        for (uint32_t u = 0; u < hc_graph_n(g); u++)
            if (s.dist[u] && s.dist[u] + 1 == s.dist[v] && s.round[u] == s.round[v] && has_edge(g, u, v) &&
                !avoid_edges.count({u, v}) && !(hc_graph_flags(g, u) & HC_NODE_HIDDEN))
                all_paths(g, s, avoid_edges, u, tail, out);
    }
    tail.pop_back();
}

} // namespace

TEST(Paths, AllShortestPathsAreEveryShortestPathOnce)
{
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 600; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 30;
        h.type_flags[3] = HC_TYPE_HIDDEN;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 6 == 0 ? 3 : rng() % 3);
        for (uint32_t e = rng() % (3 * n + 1); e; e--)
            h.link(rng() % n, rng() % n);
        for (uint32_t i = 0; i < n; i++) {
            if (rng() % 6 == 0)
                h.roots.push_back(i);
            if (rng() % 5 == 0)
                h.gc.push_back(i);
        }
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        uint32_t gn = hc_graph_n(g);
        if (!gn)
            continue;
        g_autoptr(hc_referrers) r = hc_referrers_new(g, nullptr);
        ASSERT_NE(r, nullptr);
        // Half the time from a src set; often with avoided nodes and edges.
        std::vector<uint32_t> src;
        bool from_src = rng() % 2;
        for (uint32_t k = 1 + rng() % 3; from_src && k; k--)
            src.push_back(rng() % gn);
        std::set<uint32_t> avoid;
        std::set<std::pair<uint32_t, uint32_t>> avoid_edges;
        std::vector<uint32_t> avoid_v;
        std::vector<uint64_t> avoid_e;
        for (uint32_t k = rng() % 3; k; k--) {
            uint32_t v = rng() % gn;
            avoid.insert(v), avoid_v.push_back(v);
        }
        for (uint32_t k = rng() % 4; k; k--) {
            uint32_t u = rng() % 4 == 0 ? HC_NONE : rng() % gn, v = rng() % gn;
            avoid_edges.insert({u, v}), avoid_e.push_back(HC_PATHS_EDGE(u, v));
        }
        Search s = search(g, from_src ? &src : nullptr, avoid, avoid_edges);
        std::vector<uint32_t> targets;
        for (uint32_t k = 1 + rng() % 3; k; k--)
            targets.push_back(rng() % gn);
        hc_paths_opts o = {};
        o.src = from_src ? src.data() : nullptr;
        o.nsrc = (uint32_t)src.size();
        o.avoid = avoid_v.data(), o.navoid = (uint32_t)avoid_v.size();
        o.avoid_edges = avoid_e.data(), o.navoid_edges = (uint32_t)avoid_e.size();
        g_autoptr(hc_paths) p = hc_paths_new_opts(g, targets.data(), (uint32_t)targets.size(), &o, nullptr);
        ASSERT_NE(p, nullptr);
        std::set<std::vector<uint32_t>> want;
        std::set<uint32_t> distinct(targets.begin(), targets.end());
        for (uint32_t t : distinct) {
            ASSERT_EQ(hc_paths_len(p, t), s.dist[t]) << "trial " << trial;
            std::vector<uint32_t> tail;
            if (s.dist[t])
                all_paths(g, s, avoid_edges, t, tail, want);
        }
        g_autoptr(hc_allpaths) a = hc_allpaths_new(p, r, targets.data(), (uint32_t)targets.size(), nullptr);
        ASSERT_NE(a, nullptr);
        std::set<std::vector<uint32_t>> got;
        std::vector<uint32_t> buf(gn + 1);
        uint32_t len, count = 0, last_target = HC_NONE;
        while ((len = hc_allpaths_next(a, buf.data(), (uint32_t)buf.size(), nullptr))) {
            std::vector<uint32_t> path(buf.begin(), buf.begin() + len);
            EXPECT_TRUE(got.insert(path).second) << "trial " << trial << ": a path twice";
            if (path.back() != last_target) { // a target's first path is hc_paths_get's
                std::vector<uint32_t> first(gn + 1);
                ASSERT_EQ(hc_paths_get(p, path.back(), first.data(), gn + 1), len);
                EXPECT_TRUE(std::equal(path.begin(), path.end(), first.begin())) << "trial " << trial;
                last_target = path.back();
            }
            count++;
        }
        EXPECT_EQ(got, want) << "trial " << trial;
        EXPECT_EQ(hc_allpaths_count(p, r, targets.data(), (uint32_t)targets.size(), -1, nullptr, nullptr),
                  (uint64_t)count)
            << "trial " << trial;
        // The edges at each level are those of the paths.
        for (int level = 0; level < 4; level++) {
            std::set<std::pair<uint32_t, uint32_t>> want_edges;
            for (const auto &path : got) {
                int k = level - (from_src ? -1 : 0); // the hop the edge enters
                if (k == 0)
                    want_edges.insert({HC_NONE, path[0]});
                else if (k >= 1 && k < (int)path.size())
                    want_edges.insert({path[k - 1], path[k]});
            }
            g_autoptr(GArray) edges = g_array_new(FALSE, FALSE, sizeof(uint64_t));
            hc_allpaths_count(p, r, targets.data(), (uint32_t)targets.size(), level, edges, nullptr);
            std::set<std::pair<uint32_t, uint32_t>> got_edges;
            for (guint k = 0; k < edges->len; k++) {
                uint64_t e = g_array_index(edges, uint64_t, k);
                EXPECT_TRUE(got_edges.insert({(uint32_t)(e >> 32), (uint32_t)e}).second) << "an edge twice";
            }
            EXPECT_EQ(got_edges, want_edges) << "trial " << trial << " level " << level;
        }
        if (HasFailure())
            return;
    }
}

TEST(Paths, TwoHoldersAtOneDepthGiveTwoPaths)
{
    // 0 -> 1 -> 3, 0 -> 2 -> 3, and 1 refers to 3 twice: two paths to 3, 1's first (BFS parent).
    SynthHeap h;
    for (int i = 0; i < 4; i++)
        h.add();
    h.link(0, 1);
    h.link(0, 2);
    h.link(1, 3);
    h.link(1, 3);
    h.link(2, 3);
    h.roots = {0};
    g_autoptr(hc_graph) g = h.walk();
    g_autoptr(hc_referrers) r = hc_referrers_new(g, nullptr);
    uint32_t t = id_of(g, 3), path[3];
    g_autoptr(hc_paths) p = hc_paths_new(g, &t, 1, nullptr, nullptr);
    g_autoptr(hc_allpaths) a = hc_allpaths_new(p, r, &t, 1, nullptr);
    ASSERT_EQ(hc_allpaths_next(a, path, 3, nullptr), 3u);
    EXPECT_EQ(path[1], id_of(g, 1));
    ASSERT_EQ(hc_allpaths_next(a, path, 3, nullptr), 3u);
    EXPECT_EQ(path[1], id_of(g, 2));
    EXPECT_EQ(hc_allpaths_next(a, path, 3, nullptr), 0u);
    EXPECT_EQ(hc_allpaths_count(p, r, &t, 1, -1, nullptr, nullptr), 2u);
    // Avoiding the edge 0 -> 1 leaves one.
    uint64_t e = HC_PATHS_EDGE(id_of(g, 0), id_of(g, 1));
    hc_paths_opts o = {};
    o.avoid_edges = &e, o.navoid_edges = 1;
    g_autoptr(hc_paths) q = hc_paths_new_opts(g, &t, 1, &o, nullptr);
    EXPECT_EQ(hc_allpaths_count(q, r, &t, 1, -1, nullptr, nullptr), 1u);
}
