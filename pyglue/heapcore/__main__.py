"""python3 -m heapcore COMMAND — the heapcore command line (see heapcore/_cli.py)."""
import sys

from heapcore._cli import main
from heapcore._internal import hide

hide(globals())  # this module's frame is the observer's, like _cli's

if __name__ == "__main__":
    sys.exit(main())
