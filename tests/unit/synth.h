// tests/unit/synth.h — a synthetic heap for engine tests: objects are numbered 0..n-1 at
// addresses (k+1)*16, each with a type, a size and a list of referents; no interpreter.
#pragma once
#include <atomic>
#include <cstdint>
#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "heapcore/heapcore.h"
}

struct SynthHeap {
    struct Obj {
        uint32_t type = 0;        // index into type keys
        uint64_t size = 8;
        std::vector<uint32_t> refs;
        int dict_of = -1;         // this object's __dict__ (another object), or -1
        int pass2_drop = 0;       // pass 2 reports this many fewer referents (a bad model)
        int pass2_extra = -1;     // pass 2 reports this extra referent (a bad model), or -1
    };
    std::vector<Obj> objs;
    std::vector<uint32_t> roots;
    std::vector<uint32_t> gc;     // objects the complement scan reports
    std::vector<uint32_t> extra;  // objects handed over (phase 3)
    std::map<uint32_t, uint32_t> type_flags;  // type -> HC_TYPE_* flags
    std::atomic<int> discovers{0};  // first-pass expansions (size and referents)
    std::atomic<int> expands{0};    // second-pass expansions (referents only)
    std::atomic<int> helper_expands{0};  // second-pass expansions on another thread
    std::atomic<int> unsafe_helper{0};   // ... of a type not marked HC_TYPE_THREADSAFE
    std::atomic<int> helper_discovers{0};  // first-pass expansions on another thread
    std::atomic<int> unsafe_discovers{0};  // ... of a type not LEAF or THREADSAFE, or HIDDEN
    std::thread::id main_thread = std::this_thread::get_id();
    bool types_are_objects = false;  // type keys are object addresses (a test sets it)

    // Every tag_every-th object (0: none) is a virtual node: its address carries the tag bit,
    // so virtual and real addresses interleave (a test sets it with TagEvery).
    static inline uint32_t tag_every = 0;
    static uintptr_t addr(uint32_t k) {
        return (uintptr_t)(k + 1) * 16 | (tag_every && k % tag_every == tag_every - 1 ? 1 : 0);
    }
    static uint32_t index(uintptr_t a) { return (uint32_t)(a / 16 - 1); }
    uint32_t add(uint32_t type = 0, uint64_t size = 8) {
        objs.push_back(Obj{});
        objs.back().type = type;
        objs.back().size = size;
        return (uint32_t)objs.size() - 1;
    }
    void link(uint32_t a, uint32_t b) { objs[a].refs.push_back(b); }

    hc_model model() {
        hc_model m = {};
        m.ctx = this;
        m.type_of = [](void *c, uintptr_t a) -> uintptr_t {
            return 1000 + ((SynthHeap *)c)->objs[index(a)].type;  // type keys: not node addresses
        };
        m.type_init = [](void *c, uintptr_t key, uintptr_t *data) -> uint32_t {
            *data = key;
            auto *h = (SynthHeap *)c;
            auto it = h->type_flags.find((uint32_t)(key - 1000));
            return (it == h->type_flags.end() ? 0 : it->second) | (h->types_are_objects ? 0 : HC_TYPE_NOOBJ);
        };
        m.expand = [](void *c, hc_walk *w, uintptr_t a, uintptr_t, uintptr_t, uint64_t *size, uint32_t *) {
            auto *h = (SynthHeap *)c;
            const Obj &o = h->objs[index(a)];
            size_t nrefs = o.refs.size();
            if (size) {
                h->discovers++;
                *size = o.size;
                if (std::this_thread::get_id() != h->main_thread) {
                    h->helper_discovers++;
                    auto it = h->type_flags.find(o.type);
                    uint32_t f = it == h->type_flags.end() ? 0 : it->second;
                    if (!(f & (HC_TYPE_LEAF | HC_TYPE_THREADSAFE)) || (f & HC_TYPE_HIDDEN) || (a & 1))
                        h->unsafe_discovers++;
                }
            } else {
                h->expands++;
                if (std::this_thread::get_id() != h->main_thread) {
                    h->helper_expands++;
                    auto it = h->type_flags.find(o.type);
                    if (it == h->type_flags.end() || !(it->second & HC_TYPE_THREADSAFE)) h->unsafe_helper++;
                }
                nrefs -= std::min(nrefs, (size_t)o.pass2_drop);
                if (o.pass2_extra >= 0) hc_walk_visit(w, addr((uint32_t)o.pass2_extra));
            }
            for (size_t k = 0; k < nrefs; k++)
                hc_walk_visit(w, addr(o.refs[k]));
            if (o.dict_of >= 0)
                hc_walk_visit_dict(w, addr((uint32_t)o.dict_of));
        };
        m.roots = [](void *c, hc_walk *w) {
            auto *h = (SynthHeap *)c;
            for (uint32_t r : h->roots)
                hc_walk_add_root(w, addr(r), ("root " + std::to_string(r)).c_str());
        };
        m.extra_roots = [](void *c, hc_walk *w) {
            for (uint32_t r : ((SynthHeap *)c)->extra)
                hc_walk_add_root(w, addr(r), "argument");
        };
        m.complement = [](void *c, hc_walk *w) {
            for (uint32_t r : ((SynthHeap *)c)->gc)
                hc_walk_add_candidate(w, addr(r));
        };
        return m;
    }

    // Walk; type keys of the synthetic model are not node addresses, so the walk's type-object
    // pass finds nothing to add unless a test makes a type key an object's address.
    hc_graph *walk(GError **error = nullptr) {
        hc_model m = model();
        return hc_walk_run(&m, 0, error);
    }
};

// Makes every k-th object of the synthetic heaps built in its scope a virtual node (a tagged
// address), for as long as it lives: SynthHeap::tag_every is shared by all of them.
struct TagEvery {
    explicit TagEvery(uint32_t k) { SynthHeap::tag_every = k; }
    ~TagEvery() { SynthHeap::tag_every = 0; }
};

// Node id of synthetic object k in graph g (HC_NONE if not found).
inline uint32_t id_of(hc_graph *g, uint32_t k) {
    return hc_graph_lookup(g, SynthHeap::addr(k));
}
