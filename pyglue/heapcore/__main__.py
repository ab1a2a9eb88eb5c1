"""python3 -m heapcore COMMAND — the heapcore command line."""
import argparse
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m heapcore",
                                description="heapcore: an exhaustive heap analyser for CPython.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("demo", help="build a small heap and show heap(), bytype and a diff")
    args = p.parse_args(argv)
    if args.command == "demo":
        from . import demo
        demo.main()
        return 0
    p.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
