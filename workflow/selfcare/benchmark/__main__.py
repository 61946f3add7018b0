"""Entry point of ``python -m selfcare.benchmark`` (see :mod:`selfcare.benchmark.cli`)."""

from selfcare.benchmark.cli import main

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
