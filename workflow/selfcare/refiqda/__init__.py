"""REFI-QDA project exchange (``.qdpx``): build, write and read coded projects.

A ``.qdpx`` file is a zip archive holding ``project.qde`` (QDA-XML, namespace
``urn:QDA-XML:project:1.0``) and the source texts under ``Sources/``. This
module works on the archive's members as ``{name: bytes}``; reading and
writing the zip itself is done by :mod:`selfcare.core.io` (``read_zip``,
``write_zip``).

Conventions of the workflow
---------------------------
* The code book is built from ``config/framework.yaml``: one top-level code per
  theme with one child code per sub-code. Passages are coded at the sub-code
  level, so theme codes are written with ``isCodable="false"`` and sub-codes
  with ``isCodable="true"``; QDA software then offers only sub-codes for coding
  while still showing the hierarchy.
* GUIDs are deterministic: UUID version 5 of a fixed project namespace and a
  stable key (a code's path ``theme`` or ``theme/code``, a source's name, ...).
  The same framework and sources therefore always give the same file.
* Selection positions are character offsets (Unicode code points, counted
  from 0; the end is exclusive) into the source's plain text.
"""
