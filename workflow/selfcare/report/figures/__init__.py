"""Figures of the report: one house style, one function per figure.

Every figure function takes the tables the workflow writes (read back from
CSV, so numbers may arrive as strings and booleans as ``"True"``/``"False"``)
and returns ``(png, alt_text)``: the PNG as bytes and a one- or two-sentence
description generated from the same data, for the figure's alternative text.
No function reads or writes files; the caller writes the bytes with
:func:`selfcare.core.io.write_bytes`.

Output is deterministic: figures are drawn on matplotlib's Agg canvas with a
fixed size (width :data:`STYLE` ``["width"]`` inches), a fixed resolution, the
bundled DejaVu Sans font and a complete set of rcParams applied for the
duration of each call (so the caller's matplotlib settings cannot leak in),
and the PNG carries no software or time stamp. The same inputs therefore give
byte-identical files on the same software stack.

Empty input (no rows, or no usable values) never raises: the figure then
shows "No data" and the alternative text says so. Input that has rows but
lacks a required column raises :class:`ValueError`, because that is a
contract violation of the calling rule rather than missing data.
"""
