// Snapshot files: round trips of random graphs, and truncated, bit-flipped, wrong-version,
// wrong-endianness and hostile files (valid checksums over bad contents), each giving a
// format error that names the problem, never a crash; a seeded random mutator (the fuzzer
// CI runs for a fixed budget).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "synth.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>

namespace
{

const uint32_t kMaskedTypeFlags = HC_TYPE_HIDDEN | HC_TYPE_SOMEHIDDEN | HC_TYPE_SIZECALL;

// A random heap whose first four objects are type objects (so edges to an object's own type,
// coded specially in the file, occur), with dict owners, a size past 2^32, names and roots.
hc_graph *random_graph(std::mt19937 &rng, uint32_t n)
{
    SynthHeap h;
    n = std::max(n, 5u);
    for (uint32_t i = 0; i < n; i++)
        h.add(rng() % 4, rng() % 3 == 0 ? rng() % 100000 : 16 + rng() % 200);
    h.objs[n - 1].size = (uint64_t)5 << 32;
    h.type_flags[2] = HC_TYPE_DICTLIKE;
    for (uint32_t i = 4; i < n; i++) {
        if (rng() % 2)
            h.link(i, h.objs[i].type); // to its type object
        for (uint32_t k = rng() % 4; k; k--)
            h.link(i, rng() % n);
        if (rng() % 8 == 0 && h.objs[i].type != 2) {
            uint32_t d = 4 + rng() % (n - 4);
            if (h.objs[d].type == 2) {
                h.objs[i].dict_of = (int)d;
                h.link(i, d);
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (i < 2 || rng() % 9 == 0)
            h.roots.push_back(i);
    for (uint32_t i = 0; i < n; i++)
        if (rng() % 4 == 0)
            h.gc.push_back(i);
    h.types_are_objects = true;
    hc_model m = h.model();
    m.type_of = [](void *c, uintptr_t a) -> uintptr_t {
        return SynthHeap::addr(((SynthHeap *)c)->objs[SynthHeap::index(a)].type);
    };
    hc_graph *g = hc_walk_run(&m, 0, nullptr);
    for (uint32_t t = 0; g && t < hc_graph_ntypes(g); t++)
        hc_graph_set_type_name(g, t, ("type" + std::to_string(t)).c_str());
    for (uint32_t id = 0; g && id < hc_graph_n(g); id += 7)
        hc_graph_set_node_name(g, id, ("name of " + std::to_string(id)).c_str());
    return g;
}

// A labeller reading a graph (standing in for the live objects): node i's k-th edge other
// than to its type is "[k]" (as a list's items), except where (i + j) % 5 == 0 (j the edge's
// position), which it does not name (so it stays "?").  `reverse`: items count from the last
// edge (as CPython visits a list's).
struct GraphLab {
    hc_graph *g;
    bool reverse = false;
    bool holes = true; // leave every fifth edge unnamed
};

void glab_labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    hc_graph *g = ((GraphLab *)ctx)->g;
    uint32_t id = hc_graph_lookup(g, addr), ne, tnode = hc_graph_type_node(g, hc_graph_type(g, id)), k = 0;
    const uint32_t *e = hc_graph_edges(g, id, &ne);
    uint32_t items = 0;
    for (uint32_t j = 0; j < ne; j++)
        items += e[j] != tnode;
    for (uint32_t j = 0; j < ne; j++) {
        if (e[j] == tnode)
            continue;
        if (!((GraphLab *)ctx)->holes || (id + j) % 5 != 0)
            emit(edata, hc_graph_addr(g, e[j]), 1, ((GraphLab *)ctx)->reverse ? items - 1 - k : k);
        k++;
    }
}

void glab_text(void *, uint32_t, uintptr_t arg, GString *out)
{
    g_string_append_printf(out, "[%u]", (unsigned)arg);
}

// Values: objects of type 1 are strings whose contents are "v" and their address.
gboolean gval_has(void *ctx, uintptr_t key)
{
    return key == hc_graph_type_key(((GraphLab *)ctx)->g, 1);
}
void gval_value(void *, uintptr_t addr, uint64_t *length, hc_value_sink *out)
{
    char text[32];
    int n = g_snprintf(text, sizeof text, "v%lx", (unsigned long)addr);
    hc_value_sink_put(out, text, (size_t)n / 2); // in two pieces, as a model may
    hc_value_sink_put(out, text + n / 2, (size_t)n - (size_t)n / 2);
    *length = (uint64_t)n;
}

// The labels and values a capture gives for g, every third node dead; attached to g.  With
// index_kind 2 (the labeller's kind 1, "[k]", as an element index), labels that count up
// from "[0]" are kept as HC_LABEL_INDEX.
void capture(hc_graph *g, uint32_t index_kind = 2, bool reverse = false, bool holes = true)
{
    GraphLab gl = {g, reverse, holes};
    uint64_t *alive = hc_graph_alive_in(g, nullptr);
    for (uint32_t i = 0; i < hc_graph_n(g); i += 3)
        alive[i >> 6] &= ~((uint64_t)1 << (i & 63));
    hc_labeller lab = {glab_labels, glab_text, nullptr, nullptr, &gl, {index_kind, 0, 0}, nullptr};
    hc_value_model vm = {gval_has, gval_value, &gl};
    GError *err = nullptr;
    hc_edge_labels *L = hc_via_capture(g, alive, &lab, &err);
    hc_values *V = hc_values_capture(g, alive, &vm, hc_graph_n(g) % 2, &err);
    hc_free(alive);
    hc_graph_attach(g, HC_ATTACH_LABELS, L, (GDestroyNotify)hc_edge_labels_free);
    hc_graph_attach(g, HC_ATTACH_VALUES, V, (GDestroyNotify)hc_values_free);
}

// The label text of every edge, by (node, position).
std::vector<std::string> edge_texts(hc_graph *g)
{
    hc_edge_labels *L = (hc_edge_labels *)hc_graph_attached(g, HC_ATTACH_LABELS);
    std::vector<std::string> out;
    if (!L)
        return out;
    GError *err = nullptr;
    EXPECT_TRUE(hc_edge_labels_ready(L, g, &err)) << (err ? err->message : "");
    g_clear_error(&err);
    const uint32_t *lab = hc_edge_labels_edges(L);
    for (uint32_t i = 0, k = 0; lab && i < hc_graph_n(g); i++) {
        uint32_t ne, m = 0, rev = 0; // the node's m-th INDEX edge reads "[m]"; RINDEX from the end
        hc_graph_edges(g, i, &ne);
        for (uint32_t j = 0; j < ne; j++)
            rev += lab[k + j] == HC_LABEL_RINDEX;
        for (uint32_t j = 0; j < ne; j++, k++)
            out.push_back(lab[k] == HC_LABEL_INDEX    ? "[" + std::to_string(m++) + "]"
                          : lab[k] == HC_LABEL_RINDEX ? "[" + std::to_string(--rev) + "]"
                                                      : hc_edge_labels_text(L, lab[k]));
    }
    return out;
}

// The texts of each node's edges, sorted per (node, referent).
std::vector<std::string> by_referent(hc_graph *g, const std::vector<std::string> &texts)
{
    std::vector<std::string> out;
    for (uint32_t i = 0, k = 0; i < hc_graph_n(g); i++) {
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, i, &ne);
        for (uint32_t j = 0; j < ne; j++, k++)
            out.push_back(std::to_string(i) + " " + std::to_string(e[j]) + " " + texts.at(k));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Every edge of a loaded graph, asked as a one-edge path of the stored labeller: its label
// must be texts' (edge_texts order) of the node's first edge to that referent (a path names
// the first).  Returns the number of edges checked.
uint64_t expect_paths_read_as(hc_graph *back, const std::vector<std::string> &texts)
{
    hc_stored_labeller st;
    hc_via_stored_labeller(&st, back, (hc_edge_labels *)hc_graph_attached(back, HC_ATTACH_LABELS), nullptr);
    uint64_t at = 0, checked = 0;
    for (uint32_t i = 0; i < hc_graph_n(back); i++) {
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(back, i, &ne);
        for (uint32_t j = 0; j < ne; j++) {
            uint32_t first = 0;
            while (e[first] != e[j])
                first++;
            uint32_t path[2] = {i, e[j]};
            char *labels[2] = {nullptr, nullptr};
            uintptr_t root = hc_graph_addr(back, i);
            hc_via_path(back, path, 2, &st.lab, &root, 1, labels);
            EXPECT_EQ(std::string(labels[1]), texts.at(at + first)) << "node " << i << " edge " << j;
            g_free(labels[1]);
            checked++;
        }
        at += ne;
    }
    return checked;
}

// How many edges use label number `number`.
uint64_t uses_of(hc_graph *g, uint32_t number)
{
    hc_edge_labels *L = (hc_edge_labels *)hc_graph_attached(g, HC_ATTACH_LABELS);
    const uint32_t *lab = hc_edge_labels_edges(L);
    uint64_t n = 0;
    for (uint64_t k = 0; lab && k < hc_graph_nedges(g); k++)
        n += lab[k] == number;
    return n;
}

std::string value_text(hc_graph *g)
{
    hc_values *V = (hc_values *)hc_graph_attached(g, HC_ATTACH_VALUES);
    std::string out;
    for (uint32_t i = 0; V && i < hc_values_count(V); i++) {
        uint32_t id;
        uint64_t len, hash;
        const char *c;
        size_t nb;
        hc_values_get(V, i, &id, &len, &hash, &c, &nb);
        out += std::to_string(id) + ":" + std::to_string(len) + ":" + std::to_string(hash) + ":" +
               (c ? std::string(c, nb) : "-") + ";";
    }
    return out;
}

void expect_same(hc_graph *a, hc_graph *b)
{
    ASSERT_EQ(hc_graph_n(a), hc_graph_n(b));
    ASSERT_EQ(hc_graph_nedges(a), hc_graph_nedges(b));
    ASSERT_EQ(hc_graph_ntypes(a), hc_graph_ntypes(b));
    for (uint32_t t = 0; t < hc_graph_ntypes(a); t++) {
        EXPECT_EQ(hc_graph_type_key(a, t), hc_graph_type_key(b, t));
        EXPECT_EQ(hc_graph_type_flags(a, t) & ~kMaskedTypeFlags, hc_graph_type_flags(b, t));
        EXPECT_EQ(hc_graph_type_node(a, t), hc_graph_type_node(b, t));
        EXPECT_STREQ(hc_graph_type_name(a, t), hc_graph_type_name(b, t));
    }
    for (uint32_t i = 0; i < hc_graph_n(a); i++) {
        ASSERT_EQ(hc_graph_addr(a, i), hc_graph_addr(b, i)) << i;
        ASSERT_EQ(hc_graph_type(a, i), hc_graph_type(b, i)) << i;
        ASSERT_EQ(hc_graph_size(a, i), hc_graph_size(b, i)) << i;
        ASSERT_EQ(hc_graph_flags(a, i) & ~(uint32_t)HC_NODE_SIZECALL, hc_graph_flags(b, i)) << i;
        ASSERT_EQ(hc_graph_owner(a, i), hc_graph_owner(b, i)) << i;
        const char *na = hc_graph_node_name(a, i), *nb = hc_graph_node_name(b, i);
        ASSERT_EQ(na == nullptr, nb == nullptr) << i;
        if (na) {
            EXPECT_STREQ(na, nb);
        }
        uint32_t ca, cb;
        const uint32_t *ea = hc_graph_edges(a, i, &ca), *eb = hc_graph_edges(b, i, &cb);
        ASSERT_EQ(std::vector<uint32_t>(ea, ea + ca), std::vector<uint32_t>(eb, eb + cb)) << i;
    }
    ASSERT_EQ(hc_graph_nroots(a), hc_graph_nroots(b));
    for (uint32_t r = 0; r < hc_graph_nroots(a); r++) {
        EXPECT_EQ(hc_graph_root_id(a, r), hc_graph_root_id(b, r));
        EXPECT_STREQ(hc_graph_root_label(a, r), hc_graph_root_label(b, r));
    }
    EXPECT_FALSE(hc_graph_is_loaded(a));
    EXPECT_TRUE(hc_graph_is_loaded(b));
    EXPECT_EQ(edge_texts(a), edge_texts(b));
    EXPECT_EQ(value_text(a), value_text(b));
}

std::string tmpdir()
{
    char tmpl[] = "/tmp/hc-snapfile-XXXXXX";
    return std::string(g_mkdtemp(tmpl));
}

std::vector<uint8_t> slurp(const std::string &path)
{
    gchar *data = nullptr;
    gsize len = 0;
    EXPECT_TRUE(g_file_get_contents(path.c_str(), &data, &len, nullptr));
    std::vector<uint8_t> v(data, data + len);
    g_free(data);
    return v;
}

// Recompute every section checksum and the header's, so a test can hand the decoder
// contents that are wrong yet pass the checksums (a hostile file, not a corrupt one).
void resign(std::vector<uint8_t> &f)
{
    uint32_t nsec;
    memcpy(&nsec, &f[20], 4);
    for (uint32_t i = 0; i < nsec; i++) {
        uint8_t *e = &f[64 + i * 56];
        uint64_t off, len;
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        if (off > f.size() || len > f.size() - off)
            continue;
        GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
        g_checksum_update(ck, f.data() + off, (gssize)len);
        gsize dlen = 20;
        g_checksum_get_digest(ck, e + 32, &dlen);
        g_checksum_free(ck);
    }
    std::vector<uint8_t> h(f.begin(), f.begin() + 64);
    memset(&h[40], 0, 20);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(ck, h.data(), 64);
    g_checksum_update(ck, &f[64], (gssize)nsec * 56);
    gsize dlen = 20;
    g_checksum_get_digest(ck, &f[40], &dlen);
    g_checksum_free(ck);
}

// Offset of the section of a kind (1 META .. 10 MEMBERS) and of its table entry.
size_t section_at(const std::vector<uint8_t> &f, uint32_t kind, size_t *entry = nullptr)
{
    uint32_t nsec;
    memcpy(&nsec, &f[20], 4);
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t k;
        memcpy(&k, &f[64 + i * 56], 4);
        if (k != kind)
            continue;
        if (entry)
            *entry = 64 + i * 56;
        uint64_t off;
        memcpy(&off, &f[64 + i * 56 + 8], 8);
        return (size_t)off;
    }
    return 0;
}

hc_graph *read(const std::vector<uint8_t> &f, GError **err, std::vector<uint32_t> *members = nullptr)
{
    uint32_t *m = nullptr, nm = 0;
    char **meta = nullptr;
    hc_graph *g = hc_snapfile_read_buffer(f.data(), f.size(), &m, &nm, &meta, err);
    if (g && members)
        members->assign(m, m + nm);
    g_free(m);
    g_strfreev(meta);
    return g;
}

struct File {
    std::string dir, path;
    hc_graph *g = nullptr;
    std::vector<uint32_t> members;
    std::vector<uint8_t> bytes;
    explicit File(uint32_t n, uint32_t seed = 1, bool with_details = true, uint32_t index_kind = 2,
                  bool reverse = false, bool holes = true)
    {
        std::mt19937 rng(seed);
        g = random_graph(rng, n);
        for (uint32_t i = 0; i < hc_graph_n(g); i += 3)
            members.push_back(i);
        dir = tmpdir();
        path = dir + "/x.hcsnap";
        const char *meta[] = {"python", "3.x", "argv", "prog a b", nullptr};
        GError *err = nullptr;
        if (with_details)
            capture(g, index_kind, reverse, holes);
        EXPECT_TRUE(hc_snapfile_write(g, members.data(), (uint32_t)members.size(), meta,
                                      (hc_edge_labels *)hc_graph_attached(g, HC_ATTACH_LABELS),
                                      (hc_values *)hc_graph_attached(g, HC_ATTACH_VALUES), path.c_str(), &err))
            << (err ? err->message : "");
        g_clear_error(&err);
        bytes = slurp(path);
    }
    ~File()
    {
        hc_graph_unref(g);
        g_unlink(path.c_str());
        g_rmdir(dir.c_str());
    }
};

void expect_format_error(const std::vector<uint8_t> &f, const char *want, const char *what)
{
    GError *err = nullptr;
    hc_graph *g = read(f, &err);
    EXPECT_EQ(g, nullptr) << what;
    hc_graph_unref(g);
    ASSERT_NE(err, nullptr) << what;
    EXPECT_EQ(err->code, HC_ERROR_FORMAT) << what << ": " << err->message;
    if (want) {
        EXPECT_NE(strstr(err->message, want), nullptr) << what << ": " << err->message;
    }
    g_error_free(err);
}

} // namespace

TEST(Snapfile, RandomGraphsRoundTrip)
{
    std::mt19937 rng(3);
    std::string dir = tmpdir(), path = dir + "/r.hcsnap";
    for (int trial = 0; trial < 60; trial++) {
        uint32_t n = trial == 59 ? 200000 : 5 + rng() % 300; // the last spans several offset bases
        g_autoptr(hc_graph) g = random_graph(rng, n);
        ASSERT_NE(g, nullptr);
        std::vector<uint32_t> members;
        for (uint32_t i = 0; i < hc_graph_n(g); i++)
            if (rng() % 3 == 0)
                members.push_back(i);
        const char *meta[] = {"key", "value", "empty", "", nullptr};
        GError *err = nullptr;
        ASSERT_TRUE(
            hc_snapfile_write(g, members.data(), (uint32_t)members.size(), meta, nullptr, nullptr, path.c_str(), &err))
            << err->message;
        uint32_t *m = nullptr, nm = 0;
        char **mv = nullptr;
        g_autoptr(hc_graph) back = hc_snapfile_read(path.c_str(), &m, &nm, &mv, &err);
        ASSERT_NE(back, nullptr) << err->message;
        expect_same(g, back);
        EXPECT_EQ(std::vector<uint32_t>(m, m + nm), members);
        ASSERT_EQ(g_strv_length(mv), 4u);
        EXPECT_STREQ(mv[0], "key");
        EXPECT_STREQ(mv[1], "value");
        EXPECT_STREQ(mv[3], "");
        g_free(m);
        g_strfreev(mv);
        if (trial == 59) { // big enough for the checksums to run on a helper thread
            std::vector<uint8_t> b = slurp(path);
            ASSERT_GT(b.size(), (size_t)1 << 20);
            for (size_t at : {b.size() / 3, b.size() - 5}) {
                std::vector<uint8_t> c = b;
                c[at] ^= 4;
                expect_format_error(c, "checksum mismatch", "a flipped bit in a big file");
            }
        }
        if (HasFailure())
            break;
    }
    // No temporary file is left beside the result.
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    int entries = 0;
    while (g_dir_read_name(d))
        entries++;
    g_dir_close(d);
    EXPECT_EQ(entries, 1);
    g_unlink(path.c_str());
    g_rmdir(dir.c_str());
}

TEST(Snapfile, WriteErrorsAreIoErrorsAndLeaveNothing)
{
    std::mt19937 rng(4);
    g_autoptr(hc_graph) g = random_graph(rng, 20);
    GError *err = nullptr;
    EXPECT_FALSE(hc_snapfile_write(g, nullptr, 0, nullptr, nullptr, nullptr, "/nonexistent-dir/x.hcsnap", &err));
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_IO);
    g_clear_error(&err);
    uint32_t bad_members[] = {3, 2};
    EXPECT_FALSE(hc_snapfile_write(g, bad_members, 2, nullptr, nullptr, nullptr, "/tmp/never.hcsnap", &err));
    EXPECT_EQ(err->code, HC_ERROR_INVALID);
    g_clear_error(&err);
    EXPECT_FALSE(g_file_test("/tmp/never.hcsnap", G_FILE_TEST_EXISTS));
    uint32_t *m;
    uint32_t nm;
    EXPECT_EQ(hc_snapfile_read("/nonexistent-dir/x.hcsnap", &m, &nm, nullptr, &err), nullptr);
    EXPECT_EQ(err->code, HC_ERROR_IO);
    g_clear_error(&err);
}

// A write that fails half-way (the file size limit, as a full disk would) is an I/O error
// and leaves neither the file nor its temporary behind.
TEST(Snapfile, AWriteFailingHalfWayLeavesNothing)
{
    std::mt19937 rng(6);
    g_autoptr(hc_graph) g = random_graph(rng, 400000); // megabytes after the failure
    std::string dir = tmpdir(), path = dir + "/big.hcsnap";
    struct rlimit old;
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit lim = old;
    lim.rlim_cur = 300 << 10;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
    GError *err = nullptr;
    gboolean ok = hc_snapfile_write(g, nullptr, 0, nullptr, nullptr, nullptr, path.c_str(), &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    EXPECT_FALSE(ok);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_IO) << err->message;
    g_clear_error(&err);
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    int entries = 0;
    while (g_dir_read_name(d))
        entries++;
    g_dir_close(d);
    EXPECT_EQ(entries, 0);
    g_rmdir(dir.c_str());
}

TEST(Snapfile, EveryTruncationIsAFormatError)
{
    File f(40);
    for (size_t len = 0; len < f.bytes.size(); len++) {
        std::vector<uint8_t> cut(f.bytes.begin(), f.bytes.begin() + len);
        expect_format_error(cut, nullptr, ("truncated to " + std::to_string(len)).c_str());
        if (HasFailure())
            return;
    }
}

TEST(Snapfile, BitFlipsAreCaughtByTheChecksums)
{
    File f(60);
    std::mt19937 rng(9);
    int caught = 0, harmless = 0;
    for (int trial = 0; trial < 3000; trial++) {
        std::vector<uint8_t> b = f.bytes;
        size_t at = rng() % b.size();
        b[at] ^= (uint8_t)(1u << (rng() % 8));
        GError *err = nullptr;
        g_autoptr(hc_graph) g = read(b, &err);
        if (g) { // only the padding between sections is outside every checksum
            expect_same(f.g, g);
            harmless++;
        } else {
            ASSERT_EQ(err->code, HC_ERROR_FORMAT);
            EXPECT_TRUE(strstr(err->message, "checksum") || strstr(err->message, "magic") ||
                        strstr(err->message, "byte-order") || strstr(err->message, "version") ||
                        strstr(err->message, "pointers") || strstr(err->message, "sections") ||
                        strstr(err->message, "past the end") || strstr(err->message, "missing") ||
                        strstr(err->message, "twice"))
                << "byte " << at << ": " << err->message;
            g_error_free(err);
            caught++;
        }
        if (HasFailure())
            return;
    }
    EXPECT_GT(caught, 2900);
    EXPECT_LT(harmless, 100);
}

TEST(Snapfile, HeaderProblemsAreNamed)
{
    File f(30);
    std::vector<uint8_t> b = f.bytes;
    b[0] = 'X';
    expect_format_error(b, "magic", "magic");
    b = f.bytes;
    uint32_t v = HC_SNAPFILE_VERSION + 1;
    memcpy(&b[12], &v, 4);
    resign(b);
    expect_format_error(b, ("format version " + std::to_string(v)).c_str(), "version");
    v = 0;
    memcpy(&b[12], &v, 4);
    resign(b);
    expect_format_error(b, "format version 0", "version 0");
    b = f.bytes;
    uint32_t swapped = 0x0D0C0B0Au;
    memcpy(&b[8], &swapped, 4);
    resign(b);
    expect_format_error(b, "big-endian", "endianness");
    b = f.bytes;
    uint32_t four = 4;
    memcpy(&b[16], &four, 4);
    resign(b);
    expect_format_error(b, "4-byte pointers", "pointer size");
    b = f.bytes;
    uint32_t many = 1000;
    memcpy(&b[20], &many, 4);
    expect_format_error(b, "1000 sections", "section count");
    b = f.bytes;
    b[70] ^= 1; // the section table, under the header checksum
    expect_format_error(b, "header checksum", "table");
}

TEST(Snapfile, HostileContentsWithValidChecksums)
{
    File f(50);
    size_t entry = 0, info = section_at(f.bytes, 2, &entry);
    // A node count far beyond what the NODES section could hold: refused before allocating.
    std::vector<uint8_t> b = f.bytes;
    uint32_t huge = 0xFFFFFF00u;
    memcpy(&b[info], &huge, 4);
    resign(b);
    expect_format_error(b, "NODES", "huge node count");
    // An edge count beyond the EDGES section.
    b = f.bytes;
    uint64_t e = (uint64_t)1 << 40;
    memcpy(&b[info + 8], &e, 8);
    resign(b);
    expect_format_error(b, "EDGES", "huge edge count");
    // A section table entry pointing past the end of the file.
    b = f.bytes;
    uint64_t far = (uint64_t)1 << 50;
    memcpy(&b[entry + 8], &far, 8);
    resign(b);
    expect_format_error(b, "past the end", "section offset");
    // An edge to a node that does not exist: the first edge's code made 127 (its source
    // plus 63, past the end of a graph of at most 50 nodes).
    b = f.bytes;
    ASSERT_LE(hc_graph_n(f.g), 50u);
    b[section_at(f.bytes, 6)] = 0x7f;
    resign(b);
    expect_format_error(b, "EDGES", "edge out of range");
    // A root naming node 2^31.
    b = f.bytes;
    size_t roots = section_at(f.bytes, 7);
    uint32_t id = 1u << 31;
    memcpy(&b[roots], &id, 4);
    resign(b);
    expect_format_error(b, "ROOTS", "root out of range");
    // A type whose name points outside the strings.
    b = f.bytes;
    size_t types = section_at(f.bytes, 4);
    uint32_t off = 0x7fffffff;
    memcpy(&b[types + 16], &off, 4);
    resign(b);
    expect_format_error(b, "TYPES", "type name out of range");
    // Members out of order or out of range.
    b = f.bytes;
    size_t members = section_at(f.bytes, 10);
    b[members] = 0x7f;
    resign(b);
    expect_format_error(b, "MEMBERS", "member out of range");
}

// The seeded mutator: random byte edits (flips, sets, deletions, insertions, copies of
// other bytes), half of them re-signed so the decoder behind the checksums is exercised.
// Every outcome is a graph that validates or a format error.
TEST(Snapfile, SeededMutationsNeverCrash)
{
    File f(80, 5);
    std::mt19937 rng(12345);
    int loaded = 0, refused = 0;
    int budget = getenv("HC_FUZZ_ITERATIONS") ? atoi(getenv("HC_FUZZ_ITERATIONS")) : 20000;
    for (int it = 0; it < budget; it++) {
        std::vector<uint8_t> b = f.bytes;
        for (int edits = 1 + rng() % 4; edits; edits--) {
            size_t at = 64 + rng() % (b.size() - 64);
            switch (rng() % 5) {
            case 0:
                b[at] ^= (uint8_t)(1u << (rng() % 8));
                break;
            case 1:
                b[at] = (uint8_t)rng();
                break;
            case 2:
                if (b.size() > 80)
                    b.erase(b.begin() + (long)at);
                break;
            case 3:
                b.insert(b.begin() + (long)at, (uint8_t)rng());
                break;
            default:
                b[at] = b[64 + rng() % (b.size() - 64)];
                break;
            }
        }
        if (rng() % 2)
            resign(b);
        GError *err = nullptr;
        hc_graph *g = read(b, &err);
        if (g) {
            EXPECT_TRUE(hc_graph_validate(g, nullptr));
            hc_edge_labels *L = (hc_edge_labels *)hc_graph_attached(g, HC_ATTACH_LABELS);
            if (L && !hc_edge_labels_ready(L, g, &err)) { // decoded on first use: a format error or labels
                EXPECT_EQ(err->code, HC_ERROR_FORMAT) << err->message;
                g_clear_error(&err);
            }
            hc_graph_unref(g);
            loaded++;
        } else {
            ASSERT_NE(err, nullptr);
            ASSERT_EQ(err->code, HC_ERROR_FORMAT) << err->message;
            g_error_free(err);
            refused++;
        }
        if (HasFailure())
            return;
    }
    EXPECT_GT(refused, budget / 2);
    RecordProperty("loaded", loaded);
}

// Labels and values: what a capture names, the file keeps; "?" for dead sources and unnamed
// edges, ".__class__" for the type edge; values of live strings only, contents when kept.
TEST(Snapfile, LabelsAndValuesRoundTrip)
{
    for (uint32_t n : {40u, 41u, 3000u}) {
        File f(n, n);
        std::vector<std::string> texts = edge_texts(f.g);
        ASSERT_EQ(texts.size(), hc_graph_nedges(f.g));
        uint64_t k = 0;
        int named = 0, unknown = 0;
        for (uint32_t i = 0; i < hc_graph_n(f.g); i++) {
            uint32_t ne, tnode = hc_graph_type_node(f.g, hc_graph_type(f.g, i));
            const uint32_t *e = hc_graph_edges(f.g, i, &ne);
            for (uint32_t j = 0, item = 0; j < ne; j++, k++) {
                std::string want = e[j] == tnode                    ? ".__class__"
                                   : i % 3 == 0 || (i + j) % 5 == 0 ? "?"
                                                                    : "[" + std::to_string(item) + "]";
                item += e[j] != tnode;
                // a second edge to the same referent takes the first unnamed label after it
                if (want != texts[k] && want[0] == '[' && texts[k][0] == '[')
                    continue;
                ASSERT_EQ(texts[k], want) << "node " << i << " edge " << j;
                named += want[0] == '[';
                unknown += want == "?";
            }
        }
        EXPECT_GT(named, 10);
        EXPECT_GT(unknown, 5);
        std::string vals = value_text(f.g);
        EXPECT_NE(vals, "");
        EXPECT_EQ(vals.find(":-;") == std::string::npos, hc_graph_n(f.g) % 2 == 1)
            << "contents kept for odd node counts only";
        GError *err = nullptr;
        g_autoptr(hc_graph) back = read(f.bytes, &err);
        ASSERT_NE(back, nullptr) << err->message;
        expect_same(f.g, back);
        // the stored labeller names a path's edges as the file's labels do (the first edge
        // from a node to its referent)
        EXPECT_EQ(expect_paths_read_as(back, edge_texts(back)), hc_graph_nedges(back));
    }
}

// A file without labels loads (paths then say "?"); hostile label and value sections are refused.
TEST(Snapfile, HostileLabelsAndValues)
{
    File plain(30, 7, false);
    GError *err = nullptr;
    g_autoptr(hc_graph) g = read(plain.bytes, &err);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(hc_graph_attached(g, HC_ATTACH_LABELS), nullptr);
    EXPECT_EQ(hc_graph_attached(g, HC_ATTACH_VALUES), nullptr);

    File f(60, 8);
    // A label number past the texts: the file loads (labels are decoded on first use), and
    // decoding names the problem.
    std::vector<uint8_t> b = f.bytes;
    size_t el = section_at(f.bytes, 12);
    ASSERT_NE(el, 0u);
    b[el] = 0x7f;
    resign(b);
    g_autoptr(hc_graph) g2 = read(b, &err);
    ASSERT_NE(g2, nullptr) << err->message;
    hc_edge_labels *L = (hc_edge_labels *)hc_graph_attached(g2, HC_ATTACH_LABELS);
    ASSERT_NE(L, nullptr);
    EXPECT_FALSE(hc_edge_labels_ready(L, g2, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_FORMAT);
    EXPECT_NE(strstr(err->message, "EDGELABELS"), nullptr) << err->message;
    g_clear_error(&err);
    // More labels than edges: refused at load.  Labels that do not match the edges one for
    // one: found when they are decoded.
    b = f.bytes;
    size_t entry = 0;
    section_at(f.bytes, 12, &entry);
    uint64_t count = hc_graph_nedges(f.g) + 1;
    memcpy(&b[entry + 24], &count, 8);
    resign(b);
    expect_format_error(b, "EDGELABELS", "label count");
    b = f.bytes;
    uint64_t len;
    memcpy(&len, &b[entry + 16], 8);
    len -= 1; // the last label cut off (one-byte labels: count - 1 fits the bytes left)
    memcpy(&b[entry + 16], &len, 8);
    memcpy(&count, &b[entry + 24], 8);
    count -= 1;
    memcpy(&b[entry + 24], &count, 8);
    resign(b);
    g_autoptr(hc_graph) g3 = read(b, &err);
    ASSERT_NE(g3, nullptr) << err->message;
    EXPECT_FALSE(hc_edge_labels_ready((hc_edge_labels *)hc_graph_attached(g3, HC_ATTACH_LABELS), g3, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_NE(strstr(err->message, "EDGELABELS: cut short"), nullptr) << err->message;
    g_clear_error(&err);
    // LABELS without EDGELABELS.
    b = f.bytes;
    uint32_t other = 99;
    memcpy(&b[entry], &other, 4);
    resign(b);
    expect_format_error(b, "EDGELABELS is missing", "labels without edge labels");
    // A value naming a node past the end, and a kept length past the section.
    b = f.bytes;
    size_t vals = section_at(f.bytes, 13);
    ASSERT_NE(vals, 0u);
    b[vals] = 0x7f;
    resign(b);
    expect_format_error(b, "VALUES", "value out of range");
    // Huge text count.
    b = f.bytes;
    section_at(f.bytes, 11, &entry);
    count = (uint64_t)1 << 40;
    memcpy(&b[entry + 24], &count, 8);
    resign(b);
    expect_format_error(b, "LABELS", "huge text count");
}

namespace
{

uint64_t get_varint(const uint8_t *&p)
{
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        v |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p++ & 0x80))
            return v;
    }
}

void put_varint(std::vector<uint8_t> &out, uint64_t v)
{
    for (; v >= 0x80; v >>= 7)
        out.push_back((uint8_t)(v | 0x80));
    out.push_back((uint8_t)v);
}

// Replace the section of a kind by new bytes (appended at the end, 8-aligned; the old bytes
// stay, outside every section) with a new count.
void replace_section(std::vector<uint8_t> &f, uint32_t kind, const std::vector<uint8_t> &bytes, uint64_t count)
{
    size_t entry = 0;
    ASSERT_NE(section_at(f, kind, &entry), 0u);
    while (f.size() % 8)
        f.push_back(0);
    uint64_t off = f.size(), len = bytes.size();
    f.insert(f.end(), bytes.begin(), bytes.end());
    memcpy(&f[entry + 8], &off, 8);
    memcpy(&f[entry + 16], &len, 8);
    memcpy(&f[entry + 24], &count, 8);
}

} // namespace

// Element indices that count up from [0] in edge order or in reverse are kept as one number
// (HC_LABEL_INDEX, _RINDEX), not one text each; they read as the texts they stand for, in
// memory and from the file.
TEST(Snapfile, IndexLabelsReadAsTheirTexts)
{
    for (uint32_t n : {40u, 41u, 42u, 43u, 3000u, 3001u, 3002u, 3003u}) {
        bool reverse = n % 2, holes = n % 4 < 2;
        File plain(n, n, true, 0, reverse, holes), indexed(n, n, true, 2, reverse, holes);
        for (uint32_t number : {HC_LABEL_INDEX, HC_LABEL_RINDEX})
            EXPECT_EQ(uses_of(plain.g, number), 0u);
        // without holes, every item edge of a live node is an index; with them (a "?" among
        // a node's items), in edge order the ones before the first hole at least
        // (a node of one item takes INDEX either way)
        uint64_t items = 0, got = uses_of(indexed.g, HC_LABEL_INDEX) + uses_of(indexed.g, HC_LABEL_RINDEX);
        EXPECT_GT(uses_of(indexed.g, reverse ? HC_LABEL_RINDEX : HC_LABEL_INDEX), 0u) << n;
        for (uint32_t i = 1; i < hc_graph_n(indexed.g); i++) {
            uint32_t ne, tnode = hc_graph_type_node(indexed.g, hc_graph_type(indexed.g, i));
            const uint32_t *e = hc_graph_edges(indexed.g, i, &ne);
            for (uint32_t j = 0; i % 3 != 0 && j < ne; j++)
                items += e[j] != tnode;
        }
        if (holes)
            EXPECT_GT(got, 0u) << n;
        else
            EXPECT_EQ(got, items) << n;
        // (which of a node's parallel edges to one referent takes which of their labels may
        // differ: compared per node and referent)
        std::vector<std::string> want = edge_texts(plain.g);
        EXPECT_EQ(by_referent(indexed.g, edge_texts(indexed.g)), by_referent(plain.g, want));
        hc_edge_labels *Lp = (hc_edge_labels *)hc_graph_attached(plain.g, HC_ATTACH_LABELS);
        hc_edge_labels *Li = (hc_edge_labels *)hc_graph_attached(indexed.g, HC_ATTACH_LABELS);
        EXPECT_LT(hc_edge_labels_ntexts(Li), hc_edge_labels_ntexts(Lp));
        GError *err = nullptr;
        g_autoptr(hc_graph) back = read(indexed.bytes, &err);
        ASSERT_NE(back, nullptr) << err->message;
        want = edge_texts(back);
        EXPECT_EQ(want, edge_texts(indexed.g));
        EXPECT_EQ(by_referent(back, want), by_referent(plain.g, edge_texts(plain.g)));
        // the stored labeller reads them as texts too (byvia, paths on a loaded graph)
        EXPECT_EQ(expect_paths_read_as(back, want), hc_graph_nedges(back));
    }
}

// A version-1 file (no number reserved for indices: texts from 2 up are the file's) reads as
// it did.  Made here from a version-2 file without index labels.
TEST(Snapfile, Version1FilesAreRead)
{
    File f(500, 3, true, 0);
    std::vector<std::string> want = edge_texts(f.g);
    std::vector<uint8_t> b = f.bytes;
    size_t le = 0, ee = 0;
    size_t lo = section_at(b, 11, &le), eo = section_at(b, 12, &ee);
    uint64_t llen, lcount, elen, ecount;
    memcpy(&llen, &b[le + 16], 8);
    memcpy(&lcount, &b[le + 24], 8);
    memcpy(&elen, &b[ee + 16], 8);
    memcpy(&ecount, &b[ee + 24], 8);
    std::vector<uint8_t> labels, edges;
    const uint8_t *p = &b[lo];
    for (uint64_t t = 0; t < lcount; t++) {
        uint64_t len = get_varint(p);
        if (t >= HC_LABEL_INDEX && t < HC_LABEL_RESERVED) { // the families' prefixes
            EXPECT_EQ(std::string((const char *)p, len), "[]");
        } else {
            put_varint(labels, len);
            labels.insert(labels.end(), p, p + len);
        }
        p += len;
    }
    ASSERT_EQ(p, &b[lo] + llen);
    p = &b[eo];
    for (uint64_t k = 0; k < ecount; k++) {
        uint64_t v = get_varint(p);
        ASSERT_TRUE(v < HC_LABEL_INDEX || v >= HC_LABEL_RESERVED);
        put_varint(edges, v >= HC_LABEL_RESERVED ? v - (HC_LABEL_RESERVED - 2) : v);
    }
    ASSERT_EQ(p, &b[eo] + elen);
    replace_section(b, 11, labels, lcount - (HC_LABEL_RESERVED - 2));
    replace_section(b, 12, edges, ecount);
    uint32_t v1 = 1;
    memcpy(&b[12], &v1, 4);
    resign(b);
    GError *err = nullptr;
    g_autoptr(hc_graph) back = read(b, &err);
    ASSERT_NE(back, nullptr) << err->message;
    EXPECT_EQ(edge_texts(back), want);
    // and a version-1 file whose first edge label is one past its texts is refused
    std::vector<uint8_t> bad = b, big;
    const uint8_t *q = edges.data();
    get_varint(q);
    put_varint(big, lcount - (HC_LABEL_RESERVED - 2));
    big.insert(big.end(), q, (const uint8_t *)edges.data() + edges.size());
    replace_section(bad, 12, big, ecount);
    resign(bad);
    g_autoptr(hc_graph) g2 = read(bad, &err);
    ASSERT_NE(g2, nullptr) << err->message; // edge labels are checked when first used
    hc_edge_labels *L2 = (hc_edge_labels *)hc_graph_attached(g2, HC_ATTACH_LABELS);
    EXPECT_FALSE(hc_edge_labels_ready(L2, g2, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_FORMAT) << err->message;
    g_clear_error(&err);
}

namespace
{

// replace_section, re-signed: a hostile file whose checksums are all valid.
void put_section(std::vector<uint8_t> &f, uint32_t kind, const std::vector<uint8_t> &contents, uint64_t count)
{
    replace_section(f, kind, contents, count);
    resign(f);
}

std::vector<uint8_t> section_bytes(const std::vector<uint8_t> &f, uint32_t kind, uint64_t *count = nullptr)
{
    size_t entry = 0, off = section_at(f, kind, &entry);
    uint64_t len;
    memcpy(&len, &f[entry + 16], 8);
    if (count)
        memcpy(count, &f[entry + 24], 8);
    return std::vector<uint8_t>(f.begin() + (long)off, f.begin() + (long)(off + len));
}

void put32(std::vector<uint8_t> &v, uint32_t x)
{
    uint8_t b[4];
    memcpy(b, &x, 4);
    v.insert(v.end(), b, b + 4);
}

// STRINGS with one more string, `text`, at the end; its offset in *at.
std::vector<uint8_t> strings_plus(const std::vector<uint8_t> &f, const std::string &text, uint32_t *at)
{
    std::vector<uint8_t> s = section_bytes(f, 3);
    *at = (uint32_t)s.size();
    s.insert(s.end(), text.begin(), text.end());
    s.push_back(0);
    return s;
}

// What a loaded graph holds beyond the file: the engine's own accounting (hc_graph_memory)
// plus what the labels and names hold.  It must stay within a small multiple of the file.
void expect_bounded(const std::vector<uint8_t> &b, const char *what)
{
    GError *err = nullptr;
    hc_graph *g = read(b, &err);
    ASSERT_NE(g, nullptr) << what << ": " << (err ? err->message : "");
    EXPECT_LE(hc_graph_memory(g), 8 * b.size() + (1u << 20)) << what;
    // every string it names is one shared copy: the same pointer each time
    for (uint32_t r = 1; r < hc_graph_nroots(g); r++)
        if (strlen(hc_graph_root_label(g, r)) > 100000) {
            EXPECT_EQ(hc_graph_root_label(g, r), hc_graph_root_label(g, 0)) << what;
        }
    // and a dump of it writes each once
    std::string dir = tmpdir(), path = dir + "/again.hcsnap";
    ASSERT_TRUE(hc_snapfile_write(g, nullptr, 0, nullptr, nullptr, nullptr, path.c_str(), &err))
        << (err ? err->message : "");
    std::vector<uint8_t> again = slurp(path);
    EXPECT_LE(again.size(), b.size() + 4096) << what;
    g_unlink(path.c_str());
    g_rmdir(dir.c_str());
    hc_graph_unref(g);
}

} // namespace

// A hostile file names one 1 MB string 3,000 times: as root labels, type names and node
// names.  Loading made a 3 GB string (root labels: glib abort under a 4 GB limit; type names
// 3 GB resident) and a dump of the loaded set wrote 3 GB.  Each string is one copy now.
TEST(Snapfile, RepeatedHugeStringsDoNotAmplify)
{
    File f(60, 9);
    std::string big(1 << 20, 'x');
    uint32_t at;
    GError *err = nullptr;
    g_autoptr(hc_graph) orig = read(f.bytes, &err);
    ASSERT_NE(orig, nullptr);
    uint32_t root0 = hc_graph_root_id(orig, 0);

    std::vector<uint8_t> b = f.bytes;
    put_section(b, 3, strings_plus(f.bytes, big, &at), 0);
    std::vector<uint8_t> roots;
    for (int r = 0; r < 3000; r++) {
        put32(roots, root0);
        put32(roots, at);
    }
    put_section(b, 7, roots, 3000);
    expect_bounded(b, "3000 roots labelled by one 1 MB string");

    b = f.bytes;
    put_section(b, 3, strings_plus(f.bytes, big, &at), 0);
    uint64_t ntypes;
    std::vector<uint8_t> types = section_bytes(f.bytes, 4, &ntypes);
    for (uint64_t t = 0; t < 3000; t++) {
        uint8_t e[24] = {0};
        uint64_t key = 0x7000000 + t * 64;
        uint32_t none = HC_NONE;
        memcpy(e, &key, 8);
        memcpy(e + 12, &none, 4);
        memcpy(e + 16, &at, 4);
        types.insert(types.end(), e, e + 24);
    }
    put_section(b, 4, types, ntypes + 3000);
    expect_bounded(b, "3000 types named by one 1 MB string");

    b = f.bytes;
    put_section(b, 3, strings_plus(f.bytes, big, &at), 0);
    std::vector<uint8_t> names;
    for (uint32_t i = 0; i < 3000; i++) {
        put32(names, i % hc_graph_n(orig));
        put32(names, at);
    }
    put_section(b, 9, names, 3000);
    expect_bounded(b, "3000 node names of one 1 MB string");
}

// Text a file names that is not UTF-8 loaded fine, then str(y), bytype, top, sp, bymodule,
// html and dot raised UnicodeDecodeError.  It is refused at load, naming the section.
TEST(Snapfile, TextThatIsNotUtf8IsRefusedAtLoad)
{
    File f(40, 10);
    uint32_t at;
    std::vector<uint8_t> b = f.bytes;
    put_section(b, 3, strings_plus(f.bytes, "caf\xc3", &at), 0); // a cut two-byte sequence
    expect_format_error(b, "STRINGS", "a type name that is not UTF-8");

    b = f.bytes; // an offset into the middle of a character
    put_section(b, 3, strings_plus(f.bytes, "\xc3\xa9t\xc3\xa9", &at), 0);
    std::vector<uint8_t> types = section_bytes(f.bytes, 4);
    uint32_t mid = at + 1;
    memcpy(&types[16], &mid, 4);
    put_section(b, 4, types, types.size() / 24);
    expect_format_error(b, "TYPES", "a name starting inside a character");

    b = f.bytes;
    std::vector<uint8_t> meta = {'k', 0, 0xff, 0xfe, 0};
    put_section(b, 1, meta, 1);
    expect_format_error(b, "META", "a meta value that is not UTF-8");

    b = f.bytes;
    uint64_t nlabels;
    std::vector<uint8_t> labels = section_bytes(f.bytes, 11, &nlabels);
    labels.push_back(2);
    labels.push_back(0xff);
    labels.push_back('a');
    put_section(b, 11, labels, nlabels + 1);
    expect_format_error(b, "LABELS", "an edge label that is not UTF-8");

    b = f.bytes;
    labels = section_bytes(f.bytes, 11, &nlabels);
    labels.push_back(3);
    labels.push_back('a');
    labels.push_back(0);
    labels.push_back('b');
    put_section(b, 11, labels, nlabels + 1);
    expect_format_error(b, "LABELS", "an edge label with a NUL");
}

// Extreme counts in every section: refused before anything is allocated for them.
TEST(Snapfile, ExtremeCountsInEverySection)
{
    File f(40, 11);
    for (uint32_t kind = 1; kind <= 13; kind++) {
        if (kind == 2 || kind == 3)
            continue; // INFO's count is not read; STRINGS is counted by bytes
        for (uint64_t count : {(uint64_t)1 << 32, (uint64_t)1 << 62, ~(uint64_t)0}) {
            std::vector<uint8_t> b = f.bytes;
            uint64_t c0;
            std::vector<uint8_t> s = section_bytes(f.bytes, kind, &c0);
            put_section(b, kind, s, count);
            GError *err = nullptr;
            hc_graph *g = read(b, &err);
            if (g) { // labels and values are checked on first use
                hc_edge_labels *L = (hc_edge_labels *)hc_graph_attached(g, HC_ATTACH_LABELS);
                EXPECT_TRUE(L == nullptr || !hc_edge_labels_ready(L, g, &err) || kind != 12) << kind;
                hc_graph_unref(g);
            } else {
                ASSERT_NE(err, nullptr);
                EXPECT_EQ(err->code, HC_ERROR_FORMAT) << kind << ": " << err->message;
            }
            g_clear_error(&err);
        }
    }
}

// A file whose first kept value is empty: the reader copied 0 bytes to a NULL buffer
// (memcpy(NULL, p, 0), undefined; UBSan reported it at values.c:82).  Under the sanitizers
// this failed; everywhere it checks the value reads back empty and kept.
TEST(Snapfile, AnEmptyFirstKeptValue)
{
    hc_values *v = hc_values_new();
    ASSERT_NE(v, nullptr);
    ASSERT_TRUE(hc_values_add(v, 3, 0, 7, "", 0));
    ASSERT_TRUE(hc_values_add(v, 5, 2, 9, "ab", 2));
    uint32_t id;
    uint64_t len, hash;
    const char *c;
    size_t nb;
    hc_values_get(v, 0, &id, &len, &hash, &c, &nb);
    EXPECT_EQ(id, 3u);
    EXPECT_EQ(nb, 0u);
    EXPECT_NE(c, nullptr); // kept, and empty
    hc_values_get(v, 1, &id, &len, &hash, &c, &nb);
    EXPECT_EQ(std::string(c, nb), "ab");
    hc_values_free(v);
}
