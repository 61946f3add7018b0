"""Turns laid out as transcript text: line wrapping that keeps character
offsets valid, and the character spans of the coded passages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass
class _Turn:
    """One speaker turn made of pieces, some of them coded."""

    label: str
    pieces: list[tuple[str, tuple[str, ...], list[int]]] = field(default_factory=list)

    def add(self, text: str, codes: tuple[str, ...] = (), breaks: list[int] | None = None) -> None:
        """Append a piece of speech (with its codes and preferred breaks)."""
        self.pieces.append((text, codes, list(breaks or [])))


def wrap_preserving(text: str, width: int, min_break: int, preferred: Sequence[int] = ()) -> str:
    """Wrap a single-line string by turning some spaces into newlines.

    Because each chosen space is replaced by exactly one newline, character
    offsets into the string stay valid after wrapping.

    Parameters
    ----------
    text : str
        The line to wrap (no newlines).
    width : int
        Maximum line length, except for single words longer than it.
    min_break : int
        At a preferred position the line is broken early if it already holds
        at least this many characters.
    preferred : sequence of int
        Offsets of spaces where an early break is welcome (inside full names).

    Returns
    -------
    str
        The wrapped text, of the same length as ``text``.
    """
    buf = list(text)
    pref = set(preferred)
    start = 0
    prev = -1
    n = len(text)
    for i, ch in enumerate(text + " "):
        if ch != " ":
            continue
        if i - start > width:
            if prev >= start:
                buf[prev] = "\n"
                start = prev + 1
            if i - start > width and i < n:
                buf[i] = "\n"
                start = i + 1
                prev = -1
                continue
        if i < n and i in pref and i - start >= min_break:
            buf[i] = "\n"
            start = i + 1
            prev = -1
            continue
        prev = i
    return "".join(buf)


def _render(
    header: str, turns: Sequence[_Turn], width: int, min_break: int
) -> tuple[str, list[dict[str, Any]]]:
    """Lay turns out as text and compute coded segment offsets."""
    chunks: list[str] = [header.rstrip("\n"), "\n\n"]
    offset = len(chunks[0]) + 2
    segments: list[dict[str, Any]] = []
    for t_index, turn in enumerate(turns):
        line = f"{turn.label}: "
        preferred: list[int] = []
        for p_index, (text, codes, breaks) in enumerate(turn.pieces):
            if p_index:
                line += " "
            start = len(line)
            preferred.extend(start + b for b in breaks)
            line += text
            for code in codes:
                segments.append(
                    {"code_path": code, "start": offset + start, "end": offset + len(line)}
                )
        wrapped = wrap_preserving(line, width, min_break, preferred)
        sep = "\n\n" if t_index < len(turns) - 1 else "\n"
        chunks.append(wrapped + sep)
        offset += len(wrapped) + len(sep)
    segments.sort(key=lambda s: (s["start"], s["code_path"]))
    return "".join(chunks), segments
