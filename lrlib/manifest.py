"""Checksums of the book's own results: a hand edit of a stored figure is found on read.

The packaged store (``lrlib/results``) holds the numbers every reader of the book is shown, so
each of its profile folders carries ``SHA256SUMS``: one line ``<sha256>  <file>`` per record, in
the format ``sha256sum --check`` reads. ``python -m lrlib reproduce`` adds a line as it stores each
record; reading a record checks its line. A learner's own store has none: what they edit is theirs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MANIFEST = "SHA256SUMS"


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(folder: Path) -> dict[str, str]:
    """The manifest of ``folder`` as ``{file: sha256}`` (empty when it has none)."""
    path = folder / MANIFEST
    if not path.is_file():  # none, or a FIFO that would block: every record then lacks its line
        return {}
    text = path.read_text()
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums


def verify(folder: Path, name: str, data: bytes) -> None:
    """``ValueError`` unless ``data``, the content of ``folder/name``, matches its manifest line."""
    expected = read(folder).get(name)
    if expected is None:
        raise ValueError(f"it has no checksum in {folder / MANIFEST}")
    if checksum(data) != expected:
        raise ValueError(f"its checksum differs from the one in {folder / MANIFEST}: it was edited after "
                         "reproduce stored it")


def text_with(folder: Path, name: str, data: bytes) -> str:
    """The manifest of ``folder`` with ``name``'s line set to ``data``'s checksum, sorted by file."""
    sums = {**read(folder), name: checksum(data)}
    return "".join(f"{sums[key]}  {key}\n" for key in sorted(sums))
