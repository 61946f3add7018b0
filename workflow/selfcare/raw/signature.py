"""Is a hand-over the simulator's SYNTHETIC data? The signature check.

A hand-over counts as synthetic only if BOTH hold:

1. its codebook (``datapackage.json``) has ``"synthetic": true`` as the JSON
   boolean (the string ``"true"``, ``"false"``, ``1`` or ``"yes"`` do not
   count), and
2. the folder carries the simulator's signature, :data:`MANIFEST_NAME`: a
   SHA-256 manifest in the ``sha256sum`` format (``<hex>  <path>`` per line,
   verifiable with ``sha256sum -c``) that ``python -m selfcare.synth`` writes
   over every file it produced (``python -m selfcare.synth sign`` rewrites
   it), and every file of the folder matches it: none missing, none added,
   none changed.

Anything else is real data: the public demo key is refused and a secret key
of at least 32 bytes is required (:mod:`selfcare.deidentify.keys`). A real
hand-over that was copied from the synthetic one and edited, or whose
codebook still says ``true``, therefore fails safe. The reasons returned name
files and counts only, never contents.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Mapping

__all__ = ["MANIFEST_NAME", "manifest_text", "parse_manifest", "synthetic_status"]

#: The signature file the simulator writes into the hand-over folder.
MANIFEST_NAME = "SYNTHETIC.sha256"

_LINE = re.compile(r"^([0-9a-f]{64}) [ *]([^\n]+)$")


def manifest_text(files: Mapping[str, bytes]) -> str:
    """The signature manifest of a folder's files (sorted, ``sha256sum`` format).

    Parameters
    ----------
    files : mapping
        Path relative to the folder (``/`` separators) -> bytes. The manifest
        itself, if present, is left out.
    """
    lines = [
        f"{hashlib.sha256(data).hexdigest()}  {path}\n"
        for path, data in sorted(files.items())
        if path != MANIFEST_NAME
    ]
    return "".join(lines)


def parse_manifest(text: str) -> dict[str, str]:
    """Path -> hex digest from a manifest's text.

    Raises
    ------
    ValueError
        If a line is not ``<64 hex digits><two spaces or space-star><path>``
        or a path repeats (the message names the line number only).
    """
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _LINE.match(line)
        if not m or m.group(2) in out:
            raise ValueError(f"{MANIFEST_NAME}, line {number}: not a sha256sum manifest line")
        out[m.group(2)] = m.group(1)
    return out


def synthetic_status(package: Mapping[str, Any], files: Mapping[str, bytes]) -> tuple[bool, str]:
    """Whether the hand-over is the simulator's synthetic data, and why.

    Parameters
    ----------
    package : mapping
        The parsed codebook.
    files : mapping
        Every file of the hand-over folder, path relative to it -> bytes
        (including :data:`MANIFEST_NAME` if present).

    Returns
    -------
    synthetic : bool
        True only for a codebook marked ``true`` (JSON boolean) whose folder
        matches the simulator's signature exactly.
    reason : str
        Why (file names and counts only).
    """
    flag = package.get("synthetic") if isinstance(package, Mapping) else None
    if flag is not True:
        return False, "the codebook's 'synthetic' is not the JSON boolean true: real data"
    if MANIFEST_NAME not in files:
        return False, f"marked synthetic but without the simulator's signature {MANIFEST_NAME}: treated as real data"
    try:
        text = files[MANIFEST_NAME].decode("utf-8")
        listed = parse_manifest(text)
    except (UnicodeDecodeError, ValueError) as exc:
        return False, f"marked synthetic but the signature is unreadable ({exc}): treated as real data"
    present = {p for p in files if p != MANIFEST_NAME}
    missing = sorted(set(listed) - present)
    extra = sorted(present - set(listed))
    changed = sorted(
        p
        for p in set(listed) & present
        if not hmac.compare_digest(listed[p], hashlib.sha256(files[p]).hexdigest())
    )
    if missing or extra or changed or not listed:
        return False, (
            f"marked synthetic but the files do not match the simulator's signature "
            f"({len(changed)} changed, {len(extra)} not signed, {len(missing)} missing): "
            "treated as real data"
        )
    return True, f"marked synthetic and all {len(listed)} files match the simulator's signature"
