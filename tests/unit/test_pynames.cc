// Python's spelling in the engine (heapcore/pynames.h): a str's repr as Python writes it.
#include <gtest/gtest.h>

#include <string>

#include "synth.h"

namespace
{

std::string repr(const char *s)
{
    GString *g = g_string_new(NULL);
    hc_repr_str(g, s, -1);
    std::string out = g->str;
    g_string_free(g, TRUE);
    return out;
}

} // namespace

TEST(Pynames, ReprIsPythons)
{
    EXPECT_EQ(repr(".a"), "'.a'");
    EXPECT_EQ(repr("['k']"), "\"['k']\"");
    EXPECT_EQ(repr("a'b\"c"), "'a\\'b\"c'");
    EXPECT_EQ(repr("t\tn\n\\"), "'t\\tn\\n\\\\'");
    EXPECT_EQ(repr("\x01"), "'\\x01'");
    EXPECT_EQ(repr("\xc3\xa9"), "'\xc3\xa9'"); // printable non-ASCII kept, as Python does
}
