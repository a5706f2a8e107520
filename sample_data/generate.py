"""Write sample_data/customers.csv, the bundled customer table, from the sample business.

Run from the repository root::

    .venv/bin/python sample_data/generate.py           # (re)write the file
    .venv/bin/python sample_data/generate.py --check   # exit 1 if the file is not up to date

The table is :func:`simulator.data.synthetic.sample_customers`: the sample business
(:func:`simulator.sample_business`) played forward over 96 months of acquisition up to
2026-09-30 with ``numpy.random.default_rng(20261123)``. Same bytes on every run (with the pinned
numpy; ``tests/test_synthetic.py`` checks the committed file against a fresh generation).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `simulator` importable

from simulator.data.synthetic import customers_to_csv, sample_customers  # noqa: E402

OUT = ROOT / "sample_data" / "customers.csv"


def sample_csv_bytes() -> bytes:
    """The bytes ``customers.csv`` should hold."""
    return customers_to_csv(sample_customers()).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file is stale"
    )
    args = parser.parse_args(argv)
    data = sample_csv_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        current = OUT.read_bytes() if OUT.exists() else b""
        if current != data:
            print(f"{OUT.relative_to(ROOT)} is stale: run python sample_data/generate.py")
            return 1
        print(f"{OUT.relative_to(ROOT)} is up to date (sha256 {digest})")
        return 0
    OUT.write_bytes(data)
    rows = data.count(b"\n") - 1
    print(f"wrote {OUT.relative_to(ROOT)}: {rows} customers, {len(data):,} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
