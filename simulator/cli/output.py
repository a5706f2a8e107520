"""What the commands that draw or write share: the ``--draws``/``--seed`` and ``--out``
arguments, their checks, and writing a result to a file or standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli import CommandError

__all__ = ["add_draw_arguments", "add_out_argument", "check_draws", "write_output"]


def add_out_argument(parser: argparse.ArgumentParser, *, what: str = "JSON") -> None:
    """``--out FILE.json``: where the result goes (default, or ``-``: standard output)."""
    parser.add_argument(
        "--out", metavar="FILE.json", help=f"write the {what} here (default: print)"
    )


def add_draw_arguments(parser: argparse.ArgumentParser, *, default_draws: int) -> None:
    """``--draws N`` and ``--seed S`` of a Monte Carlo command."""
    parser.add_argument(
        "--draws",
        type=int,
        default=default_draws,
        metavar="N",
        help=f"number of Monte Carlo draws (default {default_draws})",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")


def check_draws(args: argparse.Namespace) -> None:
    """Refuse fewer than one draw or a negative seed, naming the option."""
    if args.draws < 1:
        raise CommandError(f"--draws must be at least 1; got {args.draws}")
    if args.seed < 0:
        raise CommandError(f"--seed must be 0 or more; got {args.seed}")


def write_output(text: str, out: str | None, *, what: str = "results") -> Path | None:
    """Write ``text`` to the file ``out``, or to standard output when ``out`` is None or ``-``.

    Returns the file written, or None when printed; a file that cannot be written is a
    :class:`CommandError` naming it and saying why.
    """
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot write the {what} ({exc.strerror})") from None
    return path
