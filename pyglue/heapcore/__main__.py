"""python3 -m heapcore COMMAND — the heapcore command line (see heapcore/_cli.py)."""
import sys

from heapcore import _engine
from heapcore._cli import main

_engine.hide_frames_of(globals())  # this module's frame is the observer's, like _cli's

if __name__ == "__main__":
    sys.exit(main())
