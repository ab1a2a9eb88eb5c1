"""The README's session runs as written (doctest, with patterns for changing counts)."""
import doctest
import os
import re
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")


class Readme(unittest.TestCase):
    def test_readme_session(self):
        with open(README) as f:
            text = f.read()
        blocks = re.findall(r"```pycon\n(.*?)```", text, re.S)
        self.assertTrue(blocks, "the README has no session")
        parser = doctest.DocTestParser()
        tries = 0
        for i, block in enumerate(blocks):
            globs = {"__name__": "__main__"}
            test = parser.get_doctest(block, globs, "README session %d" % i, README, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            import sys, types
            main = types.ModuleType("__main__")
            saved = sys.modules["__main__"]
            sys.modules["__main__"] = main
            test.globs = main.__dict__
            try:
                runner.run(test)
            finally:
                sys.modules["__main__"] = saved
            self.assertEqual(runner.failures, 0, "README session %d failed (see output above)" % i)
            self.assertGreaterEqual(runner.tries, 3, "README session %d ran almost nothing" % i)
            tries += runner.tries
        self.assertGreater(tries, 30)


if __name__ == "__main__":
    unittest.main()
