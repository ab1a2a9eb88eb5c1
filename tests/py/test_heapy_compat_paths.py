"""guppy3 compatibility of shortest paths and h.Root: the path a user expects is chosen when C
registries of callbacks (atexit, signal handlers) reach module globals in fewer hops."""
import atexit
import signal
import unittest

from heapcore import hpy

h = hpy()


def _callback():
    pass


def _handler(signum, frame):
    pass


class LateRoots(unittest.TestCase):
    def evaluates(self, path, obj):
        self.assertIs(eval(str(path) % "R", {"R": h.Root}), obj)

    def test_atexit_callback_does_not_take_module_globals(self):
        global late_target
        late_target = [bytearray(3)]
        atexit.register(_callback)
        try:
            sp = h.iso(late_target[0]).sp
            self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['late_target'][0]" % __name__)
            self.evaluates(sp[0], late_target[0])
        finally:
            atexit.unregister(_callback)

    def test_signal_handler_does_not_take_module_globals(self):
        global late_target2
        late_target2 = [bytearray(4)]
        old = signal.signal(signal.SIGUSR1, _handler)
        try:
            sp = h.iso(late_target2[0]).sp
            self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['late_target2'][0]" % __name__)
            self.evaluates(sp[0], late_target2[0])
        finally:
            signal.signal(signal.SIGUSR1, old)

    def test_a_late_root_does_not_name_a_singleton(self):
        atexit.register(_callback)  # its args are the empty tuple
        try:
            self.assertEqual(str(h.iso(()).sp), " 0: h.Root.empty_tuple")
        finally:
            atexit.unregister(_callback)


if __name__ == "__main__":
    unittest.main()
