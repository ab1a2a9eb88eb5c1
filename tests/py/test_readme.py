"""The README's sessions run as written (doctest, with patterns for changing counts), and so
do the Python sessions (```pycon) and the shell sessions of docs/ (each `$ ` line run by sh in
a fresh directory, `python3` being the interpreter under test; its output compared as doctest
compares, `...` matching anything)."""
import doctest
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")
DOCS = os.path.join(HERE, "..", "..", "docs")


def run_pycon(testcase, path, min_tries):
    """Run each ```pycon block of the file at path as a doctest in a fresh __main__."""
    import types
    with open(path) as f:
        text = f.read()
    blocks = re.findall(r"```pycon\n(.*?)```", text, re.S)
    parser = doctest.DocTestParser()
    tries = 0
    for i, block in enumerate(blocks):
        name = "%s session %d" % (os.path.basename(path), i)
        test = parser.get_doctest(block, {}, name, path, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        main = types.ModuleType("__main__")
        saved = sys.modules["__main__"]
        sys.modules["__main__"] = main
        test.globs = main.__dict__
        try:
            runner.run(test)
        finally:
            sys.modules["__main__"] = saved
        testcase.assertEqual(runner.failures, 0, "%s failed (see output above)" % name)
        testcase.assertGreaterEqual(runner.tries, min_tries, "%s ran almost nothing" % name)
        tries += runner.tries
    return len(blocks), tries


class Readme(unittest.TestCase):
    def test_readme_session(self):
        blocks, tries = run_pycon(self, README, 3)
        self.assertTrue(blocks, "the README has no session")
        self.assertGreater(tries, 30)

    def test_docs_python_sessions(self):
        """The ```pycon sessions of docs/*.md run as written too."""
        for name in sorted(os.listdir(DOCS)):
            if name.endswith(".md"):
                with self.subTest(doc=name):
                    run_pycon(self, os.path.join(DOCS, name), 1)


class ConsoleDocs(unittest.TestCase):
    def test_docs_console_sessions(self):
        checker = doctest.OutputChecker()
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        bindir = tempfile.mkdtemp(prefix="heapcore-docs-bin-")
        os.symlink(sys.executable, os.path.join(bindir, "python3"))
        import heapcore
        stage = os.path.dirname(os.path.dirname(os.path.abspath(heapcore.__file__)))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), PYTHONPATH=stage)
        commands = 0
        try:
            for name in sorted(os.listdir(DOCS)):
                if not name.endswith(".md"):
                    continue
                with open(os.path.join(DOCS, name)) as f:
                    text = f.read()
                for block in re.findall(r"```console\n(.*?)```", text, re.S):
                    work = tempfile.mkdtemp(prefix="heapcore-docs-")
                    try:
                        commands += self.run_block(name, block, work, env, checker, flags)
                    finally:
                        shutil.rmtree(work)
        finally:
            shutil.rmtree(bindir)
        self.assertGreater(commands, 5)

    def run_block(self, name, block, work, env, checker, flags):
        """Run a console block: `cat FILE` commands with the file's text after them create it."""
        steps = []  # (command, expected output)
        for line in block.splitlines(True):
            if line.startswith("$ "):
                steps.append([line[2:].strip(), ""])
            else:
                steps[-1][1] += line
        for command, expected in steps:
            m = re.match(r"cat (\S+)$", command)
            if m:  # the file shown is the file used
                with open(os.path.join(work, m.group(1)), "w") as f:
                    f.write(expected)
                continue
            p = subprocess.run(command, shell=True, cwd=work, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=300)
            got = p.stdout
            if not checker.check_output(expected, got, flags):
                self.fail("%s: `%s` printed:\n%s\nexpected:\n%s" % (name, command, got, expected))
        return len(steps)


if __name__ == "__main__":
    unittest.main()
