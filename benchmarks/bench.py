"""`python -m benchmarks.bench [SCRIPT] [--json] [--markdown] [--portrait PHOTO] [--long]`: avatar.bench
from a checkout. The benchmark makes and renders its own ~60 s deck; SCRIPT (for example
scripts/welcome.md) is rendered too when given."""
from __future__ import annotations

from avatar import bench


def main(argv: list[str] | None = None) -> None:
    bench.main(argv)


if __name__ == "__main__":
    main()
