"""Registry of the numbers quoted in the manuscript.

Every number the manuscript states is a *number record*::

    {"key": "change.lo.empowerment.mean",   # dotted lowercase identifier
     "value": 0.3512,                       # full precision (int, float or str)
     "display": "0.35",                     # exactly what the text shows
     "unit": "points", "meaning": "...",    # for readers and auditors
     "rule": "change_scores",               # Snakemake rule that computed it
     "output": "results/change/numbers.json"}  # file that holds it

Rules write small lists of records ("fragments"); :func:`merge_fragments`
joins them, :func:`quarto_variables` turns them into the nested mapping of a
Quarto ``_variables.yml`` and :func:`provenance_manifest` links each record to
the code and data that produced it. The functions here are pure: hashing and
file access belong to the caller (see :mod:`selfcare.core.io`).
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Mapping

#: Pattern every record key must match.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")

#: Fields of a number record, in the order they are written.
RECORD_FIELDS = ("key", "value", "display", "unit", "meaning", "rule", "output", "job_inputs")


class RegistryError(ValueError):
    """A number record or a set of records is malformed or inconsistent."""


def _plain_value(key: str, value: Any) -> int | float | str:
    """Return ``value`` as a plain JSON scalar, or raise naming ``key``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        if not math.isfinite(as_float):
            raise RegistryError(
                f"record {key!r}: value {as_float!r} is not finite; "
                "store a finite number or a string such as 'n/a'"
            )
        return as_float
    raise RegistryError(
        f"record {key!r}: value of type {type(value).__name__} is not an int, float or str"
    )


def check_key(key: Any) -> str:
    """Validate a record key.

    Parameters
    ----------
    key : Any
        Candidate key.

    Returns
    -------
    str
        The key, unchanged.

    Raises
    ------
    RegistryError
        If ``key`` is not a string matching :data:`KEY_PATTERN`.
    """
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise RegistryError(
            f"invalid record key {key!r}: use dotted lowercase identifiers "
            "such as 'change.lo.empowerment.mean' (letters, digits, '_' and '.')"
        )
    return key


def make_record(
    key: str,
    value: int | float | str,
    display: str,
    meaning: str,
    unit: str = "",
    rule: str = "",
    output: str = "",
) -> dict[str, Any]:
    """Build a validated number record.

    Parameters
    ----------
    key : str
        Dotted lowercase identifier, e.g. ``"change.lo.empowerment.mean"``.
    value : int, float or str
        The value at full precision (NumPy scalars are converted).
    display : str
        The formatted text the manuscript shows; must not be empty.
    meaning : str
        One sentence saying what the number is.
    unit : str, optional
        Unit of ``value`` (empty if none).
    rule : str, optional
        Name of the workflow rule that computed the value.
    output : str, optional
        Path of the file that holds the value.

    Returns
    -------
    dict
        ``{key, value, display, unit, meaning, rule, output}``.

    Raises
    ------
    RegistryError
        If the key is malformed, the display is empty or not a string, or the
        value is not a finite int/float or a string.
    """
    check_key(key)
    if not isinstance(display, str) or not display.strip():
        raise RegistryError(f"record {key!r}: display must be a non-empty string")
    for name, text in (("meaning", meaning), ("unit", unit), ("rule", rule), ("output", output)):
        if not isinstance(text, str):
            raise RegistryError(f"record {key!r}: {name} must be a string")
    return {
        "key": key,
        "value": _plain_value(key, value),
        "display": display,
        "unit": unit,
        "meaning": meaning,
        "rule": rule,
        "output": output,
    }


def validate_record(record: Mapping[str, Any], source: str = "") -> dict[str, Any]:
    """Check a record read from a file and return it in canonical form.

    Parameters
    ----------
    record : mapping
        A record as read back from JSON/YAML.
    source : str, optional
        Where the record came from (used in error messages).

    Returns
    -------
    dict
        The record rebuilt by :func:`make_record`.

    Raises
    ------
    RegistryError
        If a required field is missing, an unknown field is present, or a
        field is invalid. The message names the source and the key.
    """
    where = f"{source}: " if source else ""
    if not isinstance(record, Mapping):
        raise RegistryError(f"{where}record is a {type(record).__name__}, not a mapping")
    key = record.get("key", "<no key>")
    missing = [f for f in ("key", "value", "display", "meaning") if f not in record]
    if missing:
        raise RegistryError(f"{where}record {key!r} lacks field(s): {', '.join(missing)}")
    extra = sorted(set(record) - set(RECORD_FIELDS))
    if extra:
        raise RegistryError(f"{where}record {key!r} has unknown field(s): {', '.join(extra)}")
    try:
        rebuilt = make_record(
            key=record["key"],
            value=record["value"],
            display=record["display"],
            meaning=record["meaning"],
            unit=record.get("unit", ""),
            rule=record.get("rule", ""),
            output=record.get("output", ""),
        )
    except RegistryError as exc:
        raise RegistryError(f"{where}{exc}") from None
    if "job_inputs" in record:
        # the producing job's input files (for the provenance manifest)
        rebuilt["job_inputs"] = sorted(str(p) for p in record["job_inputs"])
    return rebuilt


def merge_fragments(fragments: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Join the record lists written by several rules.

    Parameters
    ----------
    fragments : list of (str, list of dict)
        Pairs of fragment file path and the records it holds.

    Returns
    -------
    list of dict
        All records, validated and sorted by key. A record whose ``output``
        is empty gets the fragment path as its output.

    Raises
    ------
    RegistryError
        If a record is invalid (the message names the fragment) or a key
        occurs twice (the message names the key and both fragment paths).
    """
    seen: dict[str, str] = {}
    merged: list[dict[str, Any]] = []
    for path, records in fragments:
        if not isinstance(records, list):
            raise RegistryError(f"{path}: expected a list of records, got {type(records).__name__}")
        for raw in records:
            record = validate_record(raw, source=path)
            key = record["key"]
            if key in seen:
                raise RegistryError(
                    f"duplicate number key {key!r}: defined in {seen[key]} and in {path}"
                )
            seen[key] = path
            if not record["output"]:
                record["output"] = path
            merged.append(record)
    return sorted(merged, key=lambda r: r["key"])


def quarto_variables(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Nest record displays for a Quarto ``_variables.yml``.

    Parameters
    ----------
    records : list of dict
        Number records.

    Returns
    -------
    dict
        ``"a.b.c"`` becomes ``{"a": {"b": {"c": display}}}``; keys are
        inserted in sorted order so the YAML is stable.

    Raises
    ------
    RegistryError
        If a key is repeated, or is both a value and the prefix of another
        key (e.g. ``a.b`` and ``a.b.c``), which a nested mapping cannot hold.
    """
    tree: dict[str, Any] = {}
    for record in sorted(records, key=lambda r: r["key"]):
        key = check_key(record["key"])
        parts = key.split(".")
        node = tree
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                prefix = ".".join(parts[: depth + 1])
                raise RegistryError(
                    f"key {prefix!r} holds a value and is also the prefix of {key!r}; "
                    "rename one of them"
                )
            node = child
        leaf = parts[-1]
        if leaf in node:
            if isinstance(node[leaf], dict):
                raise RegistryError(
                    f"key {key!r} holds a value and is also the prefix of other keys; "
                    "rename one of them"
                )
            raise RegistryError(f"duplicate number key {key!r}")
        node[leaf] = record["display"]
    return tree


def flatten_variables(variables: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Inverse of :func:`quarto_variables`: nested mapping to dotted keys.

    Parameters
    ----------
    variables : mapping
        Nested mapping as written to ``_variables.yml``.
    prefix : str, optional
        Key prefix used during recursion.

    Returns
    -------
    dict
        ``{"a.b.c": display}``; leaves are converted with ``str``.
    """
    flat: dict[str, str] = {}
    for name, value in variables.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, Mapping):
            flat.update(flatten_variables(value, key))
        else:
            flat[key] = str(value)
    return flat


def _hash_of(path: str, file_hashes: Mapping[str, str], key: str, role: str) -> str:
    """Return the SHA-256 of ``path`` from ``file_hashes``, or raise naming the record."""
    try:
        return file_hashes[path]
    except KeyError:
        raise RegistryError(
            f"record {key!r}: no SHA-256 given for {role} file {path!r}"
        ) from None


def provenance_manifest(
    records: list[dict[str, Any]],
    file_hashes: Mapping[str, str],
    rule_info: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Link every number record to the code and data that produced it.

    Parameters
    ----------
    records : list of dict
        Number records (each needs a ``rule`` and an ``output``).
    file_hashes : mapping of str to str
        SHA-256 of every file named by the records and ``rule_info``.
    rule_info : mapping
        ``rule name -> {"script": path, "inputs": [paths], "modules": [paths]}``.

    Returns
    -------
    list of dict
        One entry per record, sorted by key, with ``key, display, value,
        meaning, unit, rule, output, output_sha256, script, script_sha256,
        package_modules`` (list of ``{path, sha256}``) and ``inputs`` (list of
        ``{path, sha256}``); the lists are sorted by path.

    Raises
    ------
    RegistryError
        If a record has no rule, its rule is not in ``rule_info``, the rule
        info lacks a script, or a hash is missing for a file (the message
        names the record key and the file).
    """
    manifest: list[dict[str, Any]] = []
    for record in sorted(records, key=lambda r: r["key"]):
        key = record["key"]
        rule = record.get("rule", "")
        if not rule:
            raise RegistryError(f"record {key!r} names no rule; provenance cannot be traced")
        if rule not in rule_info:
            raise RegistryError(f"record {key!r}: rule {rule!r} is not described in rule_info")
        info = rule_info[rule]
        script = info.get("script")
        if not script:
            raise RegistryError(f"rule {rule!r} (record {key!r}): rule_info gives no script")
        output = record.get("output", "")
        if not output:
            raise RegistryError(f"record {key!r} names no output file")
        manifest.append(
            {
                "key": key,
                "display": record["display"],
                "value": record["value"],
                "meaning": record.get("meaning", ""),
                "unit": record.get("unit", ""),
                "rule": rule,
                "output": output,
                "output_sha256": _hash_of(output, file_hashes, key, "output"),
                "script": script,
                "script_sha256": _hash_of(script, file_hashes, key, "script"),
                "package_modules": [
                    {"path": p, "sha256": _hash_of(p, file_hashes, key, "module")}
                    for p in sorted(set(info.get("modules", [])))
                ],
                "inputs": [
                    {"path": p, "sha256": _hash_of(p, file_hashes, key, "input")}
                    for p in sorted(set(info.get("inputs", [])))
                ],
            }
        )
    return manifest


def manifest_table(manifest: list[dict[str, Any]]) -> "pd.DataFrame":
    """Flat table of the provenance manifest (one row per number), for auditors."""
    import pandas as pd

    rows = [
        {
            "key": m["key"],
            "display": m["display"],
            "value": m["value"],
            "meaning": m["meaning"],
            "rule": m["rule"],
            "output": m["output"],
            "output_sha256": m["output_sha256"],
            "script": m["script"],
            "script_sha256": m["script_sha256"],
            "inputs": ";".join(i["path"] for i in m["inputs"]),
        }
        for m in manifest
    ]
    return pd.DataFrame(rows)
