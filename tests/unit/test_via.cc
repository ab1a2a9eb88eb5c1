// Edge labels made into kinds and path text (heapcore/via.h), on synthetic heaps with a
// labeller that names edge k of object i "[k]" (an index family) or, for every fourth, ".fk":
// every member's kind must be the sorted set of its in-edges' labels from the objects the walk
// found (a brute force over the edges), with the family's labels grouped as "[*]" and counted
// when asked or when there are many, referrers missing from the live graph must not be read,
// and path labels must stop where the path can no longer be proven.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
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
    bool fields = false; // every fourth edge is named ".fk" (kind 0), not "[k]" (kind 1)
};

uint32_t label_kind(const Lab *l, size_t k)
{
    return l->fields && k % 4 == 3 ? 0 : 1;
}

std::string label_text(uint32_t kind, size_t k)
{
    return (kind ? "[" : ".f") + std::to_string(k) + (kind ? "]" : "");
}

void labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    Lab *l = (Lab *)ctx;
    l->read.insert(addr);
    const auto &o = l->h->objs[SynthHeap::index(addr)];
    for (size_t k = 0; k < o.refs.size(); k++)
        emit(edata, SynthHeap::addr(o.refs[k]), label_kind(l, k), k);
}

void text(void *, uint32_t kind, uintptr_t arg, GString *out)
{
    g_string_append(out, label_text(kind, arg).c_str());
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
    const uint32_t modes[] = {0, HC_VIA_FAMILIES_AUTO, 1};
    for (int trial = 0; trial < 600; trial++) {
        uint32_t families = modes[trial % 3];
        SynthHeap h;
        uint32_t n = 1 + rng() % 40;
        for (uint32_t i = 0; i < n; i++)
            h.add(rng() % 3);
        for (uint32_t e = rng() % (6 * n + 1); e; e--)
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
        Lab lab{&h, {}, {}, trial % 2 == 1};
        hc_labeller L = {labels, text, roots, nullptr, &lab, {2, 0, 0}, nullptr};
        g_autoptr(hc_kinds) k = hc_via_kinds(s, live, &L, families, &err);
        ASSERT_NE(k, nullptr) << err->message;
        if (dead >= 0) {
            EXPECT_EQ(lab.read.count(SynthHeap::addr(dead)), 0u) << "read a freed referrer";
        }
        // brute force: each member's labels (kind, k) from the live referrers
        std::map<uint32_t, std::set<std::pair<uint32_t, size_t>>> in;
        std::map<uint32_t, bool> any_edge;
        std::set<size_t> indices; // the family's distinct indices in the set's labels
        for (uint32_t v : ids) {
            uint32_t obj = SynthHeap::index(hc_graph_addr(g, v));
            in[v];
            for (uint32_t r = 0; r < n; r++)
                for (size_t e = 0; e < h.objs[r].refs.size() && hc_graph_lookup(g, SynthHeap::addr(r)) != HC_NONE; e++)
                    if (h.objs[r].refs[e] == obj) {
                        any_edge[v] = true;
                        if ((int)r != dead) {
                            in[v].insert({label_kind(&lab, e), e});
                            if (label_kind(&lab, e))
                                indices.insert(e);
                        }
                    }
        }
        bool grouped = families == HC_VIA_FAMILIES_AUTO ? indices.size() > HC_VIA_FAMILY_EXACT_MAX : families == 1;
        std::map<uint32_t, std::string> expected;
        std::map<std::string, std::set<size_t>> merged; // a kind's distinct grouped indices
        for (uint32_t v : ids) {
            std::set<std::string> want;
            for (auto [kind, e] : in[v])
                want.insert("'" + (kind && grouped ? std::string("[*]") : label_text(kind, e)) + "'");
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
                expect = any_edge[v] ? "<referrers freed since the snapshot>" : "<no referrers>";
            expected[v] = expect;
            for (auto [kind, e] : in[v])
                if (kind && grouped)
                    merged[expect].insert(e);
        }
        for (uint32_t v : ids) {
            std::string expect = expected[v];
            if (!merged[expect].empty())
                expect += " (" + std::to_string(merged[expect].size()) +
                          (merged[expect].size() == 1 ? " index)" : " indices)");
            GString *got = g_string_new(NULL);
            hc_kinds_name(k, hc_kinds_of(k, v), got);
            EXPECT_EQ(std::string(got->str), expect) << "trial " << trial << " node " << v << " families " << families;
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
    hc_labeller L = {labels, text, roots, nullptr, &lab, {}, nullptr};
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
    TagEvery tag(3);
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

// A list of many items: by default its items are one kind "[*]" counting the indices, exactly
// they are one kind each; a few stay exact unless a family is asked for; and a labeller whose
// index 0 does not read P "0]" has no family to group.
TEST(Via, ManyIndicesGroupIntoTheirFamily)
{
    for (uint32_t items : {(uint32_t)HC_VIA_FAMILY_EXACT_MAX, (uint32_t)HC_VIA_FAMILY_EXACT_MAX + 1, 500u}) {
        SynthHeap h;
        uint32_t list = h.add();
        std::vector<uint32_t> members;
        for (uint32_t i = 0; i < items; i++) {
            members.push_back(h.add());
            h.link(list, members.back());
        }
        h.link(list, members[0]); // the same item twice: one kind, its indices counted once each
        h.roots.push_back(list);
        g_autoptr(hc_graph) g = h.walk();
        g_autoptr(hc_graph) live = h.walk();
        std::vector<uint32_t> ids;
        for (uint32_t m : members)
            ids.push_back(hc_graph_lookup(g, SynthHeap::addr(m)));
        std::sort(ids.begin(), ids.end());
        GError *err = nullptr;
        g_autoptr(hc_idset) s = hc_idset_new_copy(g, ids.data(), ids.size(), &err);
        Lab lab{&h, {}, {}};
        hc_labeller L = {labels, text, roots, nullptr, &lab, {2, 0, 0}, nullptr};
        for (uint32_t families : {HC_VIA_FAMILIES_AUTO, 0u, 1u, 2u}) {
            g_autoptr(hc_kinds) k = hc_via_kinds(s, live, &L, families, &err);
            ASSERT_NE(k, nullptr);
            bool grouped = families == 1 || (families == HC_VIA_FAMILIES_AUTO && items + 1 > HC_VIA_FAMILY_EXACT_MAX);
            std::set<uint32_t> kinds;
            for (uint32_t v : ids)
                kinds.insert(hc_kinds_of(k, v));
            EXPECT_EQ(kinds.size(), grouped ? 1u : items) << items << " items, families " << families;
            GString *name = g_string_new(NULL);
            hc_kinds_name(k, hc_kinds_of(k, ids[0]), name);
            std::string want = grouped ? "'[*]' (" + std::to_string(items + 1) + " indices)"
                                       : "'[0]', '[" + std::to_string(items) + "]'";
            EXPECT_EQ(std::string(name->str), want) << items << " items, families " << families;
            g_string_free(name, TRUE);
        }
        hc_labeller plain = {labels, text, roots, nullptr, &lab, {1, 0, 0}, nullptr}; // kind 0: ".f0", no "[0]"
        g_autoptr(hc_kinds) k = hc_via_kinds(s, live, &plain, 1, &err);
        GString *name = g_string_new(NULL);
        hc_kinds_name(k, hc_kinds_of(k, ids[1]), name);
        EXPECT_EQ(std::string(name->str), "'[1]'");
        g_string_free(name, TRUE);
        GString *t = g_string_new(NULL);
        EXPECT_TRUE(hc_via_family_text(&L, 0, t));
        EXPECT_STREQ(t->str, "[*]");
        EXPECT_FALSE(hc_via_family_text(&L, 1, t));
        EXPECT_FALSE(hc_via_family_text(&plain, 0, t));
        EXPECT_STREQ(t->str, "[*]");
        g_string_free(t, TRUE);
    }
}
