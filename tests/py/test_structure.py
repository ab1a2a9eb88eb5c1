"""The Python package's structure: no import cycles among its modules, counting imports made
inside functions too (a lazy import only hides a cycle), and no module but the owners reading
an IdentitySet's private fields."""
import ast
import os
import re
import unittest

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyglue", "heapcore")
EXTENSIONS = {"_engine"}  # C modules of the package: they import none of its Python modules


def modules():
    """{module name: source} of the package ("__init__" for the package itself)."""
    out = {}
    for name in sorted(os.listdir(PACKAGE)):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE, name), encoding="utf-8") as f:
                out[name[:-3]] = f.read()
    return out


def imports(name, source, known):
    """The package's modules that module `name` imports, anywhere in its code."""
    out = set()
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "heapcore":
                    out.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                continue  # nothing above the package
            if node.level == 1:
                base = node.module
            elif node.module and node.module.split(".")[0] == "heapcore":
                base = node.module.split(".", 1)[1] if "." in node.module else None
            else:
                continue
            if base is not None:
                out.add(base.split(".")[0])
            else:  # from . import a, b: modules, or names of the package's __init__
                for alias in node.names:
                    if alias.name not in EXTENSIONS:
                        out.add(alias.name if alias.name in known else "__init__")
    out.discard(name)
    return {m for m in out if m in known}


def cycle(graph):
    """One import cycle of graph ({module: {modules}}) as a list, or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


class Structure(unittest.TestCase):
    def test_the_cycle_finder_finds_cycles(self):
        self.assertEqual(cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])
        self.assertIsNone(cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}))
        known = {"__init__", "_sets", "_html"}
        self.assertEqual(imports("_sets", "def f():\n    from . import _html, __version__\n", known),
                         {"_html", "__init__"})
        self.assertEqual(imports("_html", "from . import _engine\n", known), set())
        self.assertEqual(imports("_html", "from ._sets import x\nimport heapcore._sets\n", known), {"_sets"})

    def test_no_import_cycles(self):
        src = modules()
        self.assertIn("_sets", src)
        graph = {m: imports(m, s, src) for m, s in src.items()}
        self.assertIsNone(cycle(graph), "an import cycle in pyglue/heapcore (imports inside functions count)")

    def test_only_the_owners_read_a_sets_engine_set(self):
        owners = {"_sets", "_internal"}
        reach = re.compile(r"\._s\b|\._partition\(\)")
        for m, s in modules().items():
            if m not in owners:
                self.assertIsNone(reach.search(s), "%s.py reads an IdentitySet's fields: use _internal" % m)

    def test_every_classifier_is_in_the_registry(self):
        from heapcore import _classifiers, IdentitySet
        reg = _classifiers.REGISTRY
        # the CLI's spellings ('via-exact') are registry names through lookup
        self.assertTrue({_classifiers.lookup(c) for c in _classifiers.CLI_CHOICES} <= set(reg))
        for name, c in reg.items():
            self.assertTrue(hasattr(IdentitySet, "by" + name), name)
            self.assertEqual(_classifiers.lookup(name.capitalize()), name)
            if c.engine is not None:
                self.assertEqual(IdentitySet.__dict__["by" + name].__doc__, c.help)


if __name__ == "__main__":
    unittest.main()
