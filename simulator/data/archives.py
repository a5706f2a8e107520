"""Compressed uploads: one table gzipped, or a zip archive holding only it, unpacked in memory
up to a size cap; anything else is refused with a message that says why and what to do.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import PurePosixPath

from simulator.data.problems import DataError, fail, size_text

COMPRESSED_SUFFIXES = (".gz", ".zip")
"""File name endings of a compressed upload: one gzipped table, or a zip archive holding one."""

MAX_UNPACKED_BYTES = 200 * 2**20
"""Largest table a compressed upload may unpack to. It is unpacked into memory, so a bigger one
(a compression bomb among them) is refused as soon as the reader gets past this size."""

_TAR_MAGIC_AT = 257  # where a tar archive says "ustar"


def is_compressed(name: str) -> bool:
    """True for a file name :func:`unpack` unpacks (``.gz``, ``.zip``)."""
    return name.lower().endswith(COMPRESSED_SUFFIXES)


def unpack(data: bytes, name: str) -> tuple[bytes, str]:
    """The table in an upload and its name: a ``.gz`` file's content, named without ``.gz``; the
    one file in a ``.zip`` archive, by its own name; any other file as it is.

    Raises
    ------
    DataError
        Naming the upload, saying why and what to do: a damaged or password-protected archive,
        a zip holding no file or several, an archive inside the archive (a ``.tar.gz`` too), or
        a table unpacking to more than :data:`MAX_UNPACKED_BYTES`.
    """
    lower = name.lower()
    if lower.endswith(".gz"):
        return _gunzip(data, name)
    if lower.endswith(".zip"):
        return _unzip(data, name)
    return data, name


_ONE_TABLE = "Upload the table itself (CSV, Excel or Parquet), or a zip archive holding only it"


def _unpacked_too_big(name: str) -> DataError:
    return fail(
        name,
        f"the table unpacks to more than {size_text(MAX_UNPACKED_BYTES)}",
        "Save it as Parquet, which stays small, and upload that",
    )


def _gunzip(data: bytes, name: str) -> tuple[bytes, str]:
    inner = name[: -len(".gz")] or "table"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            table = stream.read(MAX_UNPACKED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise fail(
            name,
            f"this is not a readable gzip file ({type(exc).__name__})",
            "Compress the table again, or upload it uncompressed",
        ) from exc
    if len(table) > MAX_UNPACKED_BYTES:
        raise _unpacked_too_big(name)
    tar = table[_TAR_MAGIC_AT : _TAR_MAGIC_AT + 5] == b"ustar" or inner.lower().endswith(".tar")
    if tar or is_compressed(inner):
        raise fail(name, "this holds an archive (a tar or zip file), not a table", _ONE_TABLE)
    return table, inner


def _unzip(data: bytes, name: str) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = [
                f
                for f in archive.infolist()
                if not f.is_dir()
                and not f.filename.startswith("__MACOSX/")
                and not PurePosixPath(f.filename).name.startswith(".")
            ]
            if len(files) != 1:
                listed = ", ".join(PurePosixPath(f.filename).name for f in files[:3])
                more = ", …" if len(files) > 3 else ""
                what = f"{len(files)} files ({listed}{more})" if files else "no file"
                raise fail(
                    name, f"the zip archive holds {what}; the app reads one table", _ONE_TABLE
                )
            (member,) = files
            inner = PurePosixPath(member.filename).name
            if member.flag_bits & 0x1:
                raise fail(
                    name,
                    "the zip archive is password-protected",
                    "Upload the table itself, or a zip archive without a password",
                )
            if is_compressed(inner):
                raise fail(name, f"the zip archive holds another archive ({inner})", _ONE_TABLE)
            if member.file_size > MAX_UNPACKED_BYTES:
                raise _unpacked_too_big(name)
            return archive.read(member), inner  # stops at the declared size
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise fail(
            name,
            f"this is not a readable zip archive ({type(exc).__name__})",
            "Compress the table again, or upload it uncompressed",
        ) from exc
