"""`python -m bench <name> [args...]` runs bench/<name>.py's main(args)."""

from __future__ import annotations

import importlib
import sys


def run() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bench <name> [args...]")
    module = importlib.import_module(f"bench.{sys.argv[1]}")
    module.main(sys.argv[2:])


if __name__ == "__main__":
    run()
