"""``python -m simulator``: the command line (see :mod:`simulator.cli`)."""

from simulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
