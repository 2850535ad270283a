"""`python -m bench <workload> [options]`: run one benchmark module of this package.

Each workload is a module `bench/<name>.py` with `main(argv) -> int`.
"""

from __future__ import annotations

import importlib
import sys

WORKLOADS = ("cascade",)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in WORKLOADS:
        print(f"usage: python -m bench {{{','.join(WORKLOADS)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    return int(module.main(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
