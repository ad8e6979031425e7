"""`python -m benchmarks.bench [SCRIPT] [--size WxH]`: avatar.bench, by default on the repository's
example script scripts/welcome.md."""
from __future__ import annotations

from avatar import bench
from benchmarks import REPO

WELCOME = REPO / "scripts" / "welcome.md"


def main(argv: list[str] | None = None) -> None:
    bench.main(argv, default_script=WELCOME)


if __name__ == "__main__":
    main()
