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

namespace {

const uint32_t kMaskedTypeFlags = HC_TYPE_HIDDEN | HC_TYPE_SOMEHIDDEN | HC_TYPE_SIZECALL;

// A random heap whose first four objects are type objects (so edges to an object's own type,
// coded specially in the file, occur), with dict owners, a size past 2^32, names and roots.
hc_graph *random_graph(std::mt19937 &rng, uint32_t n) {
    SynthHeap h;
    n = std::max(n, 5u);
    for (uint32_t i = 0; i < n; i++) h.add(rng() % 4, rng() % 3 == 0 ? rng() % 100000 : 16 + rng() % 200);
    h.objs[n - 1].size = (uint64_t)5 << 32;
    h.type_flags[2] = HC_TYPE_DICTLIKE;
    for (uint32_t i = 4; i < n; i++) {
        if (rng() % 2) h.link(i, h.objs[i].type);  // to its type object
        for (uint32_t k = rng() % 4; k; k--) h.link(i, rng() % n);
        if (rng() % 8 == 0 && h.objs[i].type != 2) {
            uint32_t d = 4 + rng() % (n - 4);
            if (h.objs[d].type == 2) {
                h.objs[i].dict_of = (int)d;
                h.link(i, d);
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (i < 2 || rng() % 9 == 0) h.roots.push_back(i);
    for (uint32_t i = 0; i < n; i++)
        if (rng() % 4 == 0) h.gc.push_back(i);
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

void expect_same(hc_graph *a, hc_graph *b) {
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
}

std::string tmpdir() {
    char tmpl[] = "/tmp/hc-snapfile-XXXXXX";
    return std::string(g_mkdtemp(tmpl));
}

std::vector<uint8_t> slurp(const std::string &path) {
    gchar *data = nullptr;
    gsize len = 0;
    EXPECT_TRUE(g_file_get_contents(path.c_str(), &data, &len, nullptr));
    std::vector<uint8_t> v(data, data + len);
    g_free(data);
    return v;
}

// Recompute every section checksum and the header's, so a test can hand the decoder
// contents that are wrong yet pass the checksums (a hostile file, not a corrupt one).
void resign(std::vector<uint8_t> &f) {
    uint32_t nsec;
    memcpy(&nsec, &f[20], 4);
    for (uint32_t i = 0; i < nsec; i++) {
        uint8_t *e = &f[64 + i * 56];
        uint64_t off, len;
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        if (off > f.size() || len > f.size() - off) continue;
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
size_t section_at(const std::vector<uint8_t> &f, uint32_t kind, size_t *entry = nullptr) {
    uint32_t nsec;
    memcpy(&nsec, &f[20], 4);
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t k;
        memcpy(&k, &f[64 + i * 56], 4);
        if (k != kind) continue;
        if (entry) *entry = 64 + i * 56;
        uint64_t off;
        memcpy(&off, &f[64 + i * 56 + 8], 8);
        return (size_t)off;
    }
    return 0;
}

hc_graph *read(const std::vector<uint8_t> &f, GError **err, std::vector<uint32_t> *members = nullptr) {
    uint32_t *m = nullptr, nm = 0;
    char **meta = nullptr;
    hc_graph *g = hc_snapfile_read_buffer(f.data(), f.size(), &m, &nm, &meta, err);
    if (g && members) members->assign(m, m + nm);
    g_free(m);
    g_strfreev(meta);
    return g;
}

struct File {
    std::string dir, path;
    hc_graph *g = nullptr;
    std::vector<uint32_t> members;
    std::vector<uint8_t> bytes;
    explicit File(uint32_t n, uint32_t seed = 1) {
        std::mt19937 rng(seed);
        g = random_graph(rng, n);
        for (uint32_t i = 0; i < hc_graph_n(g); i += 3) members.push_back(i);
        dir = tmpdir();
        path = dir + "/x.hcsnap";
        const char *meta[] = {"python", "3.x", "argv", "prog a b", nullptr};
        GError *err = nullptr;
        EXPECT_TRUE(hc_snapfile_write(g, members.data(), (uint32_t)members.size(), meta, path.c_str(), &err))
            << (err ? err->message : "");
        g_clear_error(&err);
        bytes = slurp(path);
    }
    ~File() {
        hc_graph_unref(g);
        g_unlink(path.c_str());
        g_rmdir(dir.c_str());
    }
};

void expect_format_error(const std::vector<uint8_t> &f, const char *want, const char *what) {
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

}  // namespace

TEST(Snapfile, RandomGraphsRoundTrip) {
    std::mt19937 rng(3);
    std::string dir = tmpdir(), path = dir + "/r.hcsnap";
    for (int trial = 0; trial < 60; trial++) {
        uint32_t n = trial == 59 ? 200000 : 5 + rng() % 300;  // the last spans several offset bases
        g_autoptr(hc_graph) g = random_graph(rng, n);
        ASSERT_NE(g, nullptr);
        std::vector<uint32_t> members;
        for (uint32_t i = 0; i < hc_graph_n(g); i++)
            if (rng() % 3 == 0) members.push_back(i);
        const char *meta[] = {"key", "value", "empty", "", nullptr};
        GError *err = nullptr;
        ASSERT_TRUE(hc_snapfile_write(g, members.data(), (uint32_t)members.size(), meta, path.c_str(), &err))
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
        if (trial == 59) {  // big enough for the checksums to run on a helper thread
            std::vector<uint8_t> b = slurp(path);
            ASSERT_GT(b.size(), (size_t)1 << 20);
            for (size_t at : {b.size() / 3, b.size() - 5}) {
                std::vector<uint8_t> c = b;
                c[at] ^= 4;
                expect_format_error(c, "checksum mismatch", "a flipped bit in a big file");
            }
        }
        if (HasFailure()) break;
    }
    // No temporary file is left beside the result.
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    int entries = 0;
    while (g_dir_read_name(d)) entries++;
    g_dir_close(d);
    EXPECT_EQ(entries, 1);
    g_unlink(path.c_str());
    g_rmdir(dir.c_str());
}

TEST(Snapfile, WriteErrorsAreIoErrorsAndLeaveNothing) {
    std::mt19937 rng(4);
    g_autoptr(hc_graph) g = random_graph(rng, 20);
    GError *err = nullptr;
    EXPECT_FALSE(hc_snapfile_write(g, nullptr, 0, nullptr, "/nonexistent-dir/x.hcsnap", &err));
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_IO);
    g_clear_error(&err);
    uint32_t bad_members[] = {3, 2};
    EXPECT_FALSE(hc_snapfile_write(g, bad_members, 2, nullptr, "/tmp/never.hcsnap", &err));
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
TEST(Snapfile, AWriteFailingHalfWayLeavesNothing) {
    std::mt19937 rng(6);
    g_autoptr(hc_graph) g = random_graph(rng, 400000);  // megabytes after the failure
    std::string dir = tmpdir(), path = dir + "/big.hcsnap";
    struct rlimit old;
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit lim = old;
    lim.rlim_cur = 300 << 10;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
    GError *err = nullptr;
    gboolean ok = hc_snapfile_write(g, nullptr, 0, nullptr, path.c_str(), &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    EXPECT_FALSE(ok);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->code, HC_ERROR_IO) << err->message;
    g_clear_error(&err);
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    int entries = 0;
    while (g_dir_read_name(d)) entries++;
    g_dir_close(d);
    EXPECT_EQ(entries, 0);
    g_rmdir(dir.c_str());
}

TEST(Snapfile, EveryTruncationIsAFormatError) {
    File f(40);
    for (size_t len = 0; len < f.bytes.size(); len++) {
        std::vector<uint8_t> cut(f.bytes.begin(), f.bytes.begin() + len);
        expect_format_error(cut, nullptr, ("truncated to " + std::to_string(len)).c_str());
        if (HasFailure()) return;
    }
}

TEST(Snapfile, BitFlipsAreCaughtByTheChecksums) {
    File f(60);
    std::mt19937 rng(9);
    int caught = 0, harmless = 0;
    for (int trial = 0; trial < 3000; trial++) {
        std::vector<uint8_t> b = f.bytes;
        size_t at = rng() % b.size();
        b[at] ^= (uint8_t)(1u << (rng() % 8));
        GError *err = nullptr;
        g_autoptr(hc_graph) g = read(b, &err);
        if (g) {  // only the padding between sections is outside every checksum
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
        if (HasFailure()) return;
    }
    EXPECT_GT(caught, 2900);
    EXPECT_LT(harmless, 100);
}

TEST(Snapfile, HeaderProblemsAreNamed) {
    File f(30);
    std::vector<uint8_t> b = f.bytes;
    b[0] = 'X';
    expect_format_error(b, "magic", "magic");
    b = f.bytes;
    uint32_t v = 2;
    memcpy(&b[12], &v, 4);
    resign(b);
    expect_format_error(b, "format version 2", "version");
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
    b[70] ^= 1;  // the section table, under the header checksum
    expect_format_error(b, "header checksum", "table");
}

TEST(Snapfile, HostileContentsWithValidChecksums) {
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
TEST(Snapfile, SeededMutationsNeverCrash) {
    File f(80, 5);
    std::mt19937 rng(12345);
    int loaded = 0, refused = 0;
    int budget = getenv("HC_FUZZ_ITERATIONS") ? atoi(getenv("HC_FUZZ_ITERATIONS")) : 20000;
    for (int it = 0; it < budget; it++) {
        std::vector<uint8_t> b = f.bytes;
        for (int edits = 1 + rng() % 4; edits; edits--) {
            size_t at = 64 + rng() % (b.size() - 64);
            switch (rng() % 5) {
            case 0: b[at] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 1: b[at] = (uint8_t)rng(); break;
            case 2: if (b.size() > 80) b.erase(b.begin() + (long)at); break;
            case 3: b.insert(b.begin() + (long)at, (uint8_t)rng()); break;
            default: b[at] = b[64 + rng() % (b.size() - 64)]; break;
            }
        }
        if (rng() % 2) resign(b);
        GError *err = nullptr;
        hc_graph *g = read(b, &err);
        if (g) {
            EXPECT_TRUE(hc_graph_validate(g, nullptr));
            hc_graph_unref(g);
            loaded++;
        } else {
            ASSERT_NE(err, nullptr);
            ASSERT_EQ(err->code, HC_ERROR_FORMAT) << err->message;
            g_error_free(err);
            refused++;
        }
        if (HasFailure()) return;
    }
    EXPECT_GT(refused, budget / 2);
    RecordProperty("loaded", loaded);
}
