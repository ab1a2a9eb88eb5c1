// Edge labels made into kinds and path text (heapcore/via.h), on synthetic heaps with a
// labeller that names edge k of object i "[k]": every member's kind must be the sorted set of
// its in-edges' labels from the objects the walk found (a brute force over the edges), referrers missing from the live graph
// must not be read, and path labels must stop where the path can no longer be proven.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "synth.h"

namespace
{

struct Lab {
    SynthHeap *h;
    std::set<uintptr_t> read; // addresses the labeller was asked about
    std::vector<uint32_t> roots;
};

void labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    Lab *l = (Lab *)ctx;
    l->read.insert(addr);
    const auto &o = l->h->objs[SynthHeap::index(addr)];
    for (size_t k = 0; k < o.refs.size(); k++)
        emit(edata, SynthHeap::addr(o.refs[k]), 1, k);
}

void text(void *, uint32_t kind, uintptr_t arg, GString *out)
{
    g_string_append_printf(out, "[%u]", (unsigned)arg);
    (void)kind;
}

void roots(void *ctx, hc_root_emit emit, void *edata)
{
    for (uint32_t r : ((Lab *)ctx)->roots)
        emit(edata, SynthHeap::addr(r));
}

} // namespace

TEST(Via, KindsAreTheLabelSetsOfLiveReferrers)
{
    std::mt19937 rng(5);
    for (int trial = 0; trial < 300; trial++) {
        SynthHeap h;
        uint32_t n = 1 + rng() % 40;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 3);
        for (uint32_t e = rng() % (3 * n + 1); e; e--)
            h.link(rng() % n, rng() % n);
        for (uint32_t i = 0; i < n; i++)
            if (rng() % 4 == 0)
                h.roots.push_back(i);
        g_autoptr(hc_graph) g = h.walk();
        ASSERT_NE(g, nullptr);
        // the live graph: the same heap, maybe without one referrer (freed since)
        SynthHeap h2 = SynthHeap();
        h2.objs = h.objs;
        h2.roots = h.roots;
        int dead = rng() % 2 ? (int)(rng() % n) : -1;
        if (dead >= 0) {
            h2.objs[dead].type = 2 - h2.objs[dead].type % 3; // another type at its address
            if (h2.objs[dead].type == h.objs[dead].type)
                h2.objs[dead].type = (h2.objs[dead].type + 1) % 3;
        }
        g_autoptr(hc_graph) live = h2.walk();
        ASSERT_NE(live, nullptr);
        uint32_t gn = hc_graph_n(g);
        std::vector<uint32_t> ids;
        for (uint32_t v = 0; v < gn; v++)
            if (rng() % 2)
                ids.push_back(v);
        GError *err = nullptr;
        g_autoptr(hc_idset) s = hc_idset_new_copy(g, ids.data(), ids.size(), &err);
        ASSERT_NE(s, nullptr);
        Lab lab{&h, {}, {}};
        hc_labeller L = {labels, text, roots, nullptr, &lab, {}};
        g_autoptr(hc_kinds) k = hc_via_kinds(s, live, &L, &err);
        ASSERT_NE(k, nullptr) << err->message;
        if (dead >= 0) {
            EXPECT_EQ(lab.read.count(SynthHeap::addr(dead)), 0u) << "read a freed referrer";
        }
        for (uint32_t v : ids) {
            uint32_t obj = SynthHeap::index(hc_graph_addr(g, v));
            std::set<std::string> want;
            bool any_edge = false;
            for (uint32_t r = 0; r < n; r++)
                for (size_t e = 0; e < h.objs[r].refs.size() && hc_graph_lookup(g, SynthHeap::addr(r)) != HC_NONE; e++)
                    if (h.objs[r].refs[e] == obj) {
                        any_edge = true;
                        if ((int)r != dead)
                            want.insert("'[" + std::to_string(e) + "]'");
                    }
            for (uint32_t r = 0; r < hc_graph_nroots(g); r++)
                if (hc_graph_root_id(g, r) == v)
                    want.insert("'<root " + std::string(hc_graph_root_label(g, r)) + ">'");
            std::string expect;
            int shown = 0;
            for (const auto &w : want) {
                if (shown == HC_VIA_MAX_LABELS) {
                    expect += ", ...";
                    break;
                }
                expect += (shown++ ? ", " : "") + w;
            }
            if (want.empty())
                expect = any_edge ? "<referrers freed since the snapshot>" : "<no referrers>";
            GString *got = g_string_new(NULL);
            hc_kinds_name(k, hc_kinds_of(k, v), got);
            EXPECT_EQ(std::string(got->str), expect) << "trial " << trial << " node " << v;
            g_string_free(got, TRUE);
        }
        if (HasFailure())
            return;
    }
}

TEST(Via, PathLabelsStopWhereNothingIsProven)
{
    SynthHeap h;
    for (int i = 0; i < 4; i++)
        h.add();
    h.link(0, 1);
    h.link(1, 3);
    h.link(1, 2);
    h.link(2, 3);
    h.roots.push_back(0);
    g_autoptr(hc_graph) g = h.walk();
    uint32_t path[4] = {hc_graph_lookup(g, SynthHeap::addr(0)), hc_graph_lookup(g, SynthHeap::addr(1)),
                        hc_graph_lookup(g, SynthHeap::addr(2)), hc_graph_lookup(g, SynthHeap::addr(3))};
    Lab lab{&h, {}, {0}};
    hc_labeller L = {labels, text, roots, nullptr, &lab, {}};
    size_t nr;
    uintptr_t *rs = hc_via_roots(&L, &nr);
    ASSERT_EQ(nr, 1u);
    char *out[4];
    hc_via_path(g, path, 4, &L, rs, nr, out);
    EXPECT_EQ(out[0], nullptr);
    EXPECT_STREQ(out[1], "[0]");
    EXPECT_STREQ(out[2], "[1]");
    EXPECT_STREQ(out[3], "[0]");
    for (int i = 1; i < 4; i++)
        g_free(out[i]);
    // object 1 no longer refers to 2: from there on nothing is read, and labels are "?"
    h.objs[1].refs = {3};
    lab.read.clear();
    hc_via_path(g, path, 4, &L, rs, nr, out);
    EXPECT_STREQ(out[1], "[0]");
    EXPECT_STREQ(out[2], "?");
    EXPECT_STREQ(out[3], "?");
    EXPECT_EQ(lab.read.count(SynthHeap::addr(2)), 0u);
    for (int i = 1; i < 4; i++)
        g_free(out[i]);
    // a start that is no root now proves nothing
    lab.roots = {};
    lab.read.clear();
    g_free(rs);
    rs = hc_via_roots(&L, &nr);
    hc_via_path(g, path, 2, &L, rs, nr, out);
    EXPECT_STREQ(out[1], "?");
    EXPECT_TRUE(lab.read.empty());
    g_free(out[1]);
    g_free(rs);
}

// Virtual nodes (tagged addresses) are numbered after the real ones, each part in address
// order, so a virtual address may sit below a real one: matching a graph against one walked
// just now must merge the parts separately (a frame below a large object was "freed").
TEST(Via, AliveMatchesVirtualNodesBelowRealOnes)
{
    struct TagEvery {
        explicit TagEvery(uint32_t k) { SynthHeap::tag_every = k; }
        ~TagEvery() { SynthHeap::tag_every = 0; }
    } tag(3);
    std::mt19937 rng(11);
    for (int trial = 0; trial < 50; trial++) {
        SynthHeap h;
        uint32_t n = 6 + rng() % 60;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 3);
        for (uint32_t i = 0; i + 1 < n; i++)
            h.link(i, i + 1); // every object reached
        h.roots.push_back(0);
        g_autoptr(hc_graph) g = h.walk();
        g_autoptr(hc_graph) live = h.walk();
        ASSERT_NE(g, nullptr);
        ASSERT_NE(live, nullptr);
        uint32_t gn = hc_graph_n(g), nvirt = 0;
        ASSERT_EQ(gn, n);
        uint64_t *alive = hc_graph_alive_in(g, live);
        ASSERT_NE(alive, nullptr);
        for (uint32_t v = 0; v < gn; v++) {
            nvirt += (hc_graph_addr(g, v) & 7) != 0;
            EXPECT_TRUE((alive[v >> 6] >> (v & 63)) & 1)
                << "trial " << trial << " node " << v << " at " << hc_graph_addr(g, v);
        }
        EXPECT_EQ(nvirt, n / 3);
        hc_free(alive);
        if (HasFailure())
            return;
    }
}
