"""``config/README.md`` from the configuration schema's descriptions.

Every key of ``workflow/schemas/config.schema.yaml`` carries a
``description``; :func:`config_reference` turns the schema into a Markdown
reference (one table per top-level section: key, type or allowed values,
whether it is required, what it means), so that the documentation a study team
reads when filling in its own ``config/config.yaml`` cannot drift from what
the workflow accepts. ``python -m selfcare.core.configdoc`` rewrites the file;
a test fails when it is out of date.
"""

from __future__ import annotations

import argparse
from typing import Any, Iterator, Mapping

HEADER = """# Configuration reference

Generated from `workflow/schemas/config.schema.yaml` by
`python -m selfcare.core.configdoc`; do not edit by hand (a test compares
them). The workflow validates `config/config.yaml` against that schema before
it runs, and rejects unknown keys.

A study team that deploys the workflow into its own repository keeps its own
`config/` folder: `config.yaml` (this reference), `measures.yaml` (scoring
rules, `workflow/schemas/measures.schema.yaml`), `framework.yaml` (the
qualitative framework), `published.yaml` (the published numbers the report is
checked against, `workflow/schemas/published.schema.yaml`) and `codebook.yaml`
(the simulator's codebook, needed only to make a synthetic hand-over).
Keys written `a[].b` are keys of each item of the list `a`.
"""


class SchemaDocError(ValueError):
    """A key of the schema has no description."""


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/definitions/name``), keeping the node's own description."""
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _kind(node: Mapping[str, Any]) -> str:
    """Type or allowed values of a schema node, as shown in the reference."""
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(k for k in kinds if k)
    if kind == "array":
        items = node.get("items", {})
        inner = items.get("type") or ("value" if "enum" in items else "")
        if "enum" in items:
            inner = "one of " + ", ".join(f"`{v}`" for v in items["enum"])
        text = f"list of {inner}" if inner else "list"
    limits = [f"{sym} {node[k]}" for k, sym in (("minimum", ">="), ("exclusiveMinimum", ">"),
                                               ("maximum", "<="), ("exclusiveMaximum", "<")) if k in node]
    return ", ".join([text, *limits]) if limits else text


def iter_keys(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """Every key of the schema as (dotted path, resolved node, required), depth first.

    Raises
    ------
    SchemaDocError
        Naming the first key without a description.
    """

    def walk(node: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        required = set(node.get("required", []))
        for key, child in node.get("properties", {}).items():
            child = _resolve(child, schema)
            dotted = f"{path}.{key}" if path else key
            if not str(child.get("description", "")).strip():
                raise SchemaDocError(f"config schema: key {dotted!r} has no description")
            yield dotted, child, key in required
            yield from walk(child, dotted)
            extra = child.get("additionalProperties")
            if isinstance(extra, Mapping) and _resolve(extra, schema).get("properties"):
                entry = _resolve(extra, schema)
                yield f"{dotted}.<key>", {"type": "object", "description": entry.get("description") or "Each entry."}, False
                yield from walk(entry, f"{dotted}.<key>")
            items = child.get("items")
            if child.get("type") == "array" and isinstance(items, Mapping):
                yield from walk(_resolve(items, schema), f"{dotted}[]")

    yield from walk(schema, "")


def config_reference(schema: Mapping[str, Any]) -> str:
    """The Markdown reference of every configuration key.

    Parameters
    ----------
    schema : mapping
        The parsed configuration schema.

    Returns
    -------
    str
        ``config/README.md``: a header, then one section per top-level key
        with a table of its keys.
    """
    out = [HEADER]
    rows: list[str] = []
    for dotted, node, required in iter_keys(schema):
        description = " ".join(str(node["description"]).split())
        if "." not in dotted:
            if rows:
                out.append("\n".join(rows) + "\n")
            out.append(f"## `{dotted}`\n\n{description}\n")
            rows = ["| key | type | required | meaning |", "|---|---|---|---|"]
            continue
        kind = _kind(node).replace("|", "\\|")
        rows.append(f"| `{dotted}` | {kind} | {'yes' if required else 'no'} | {description} |")
    if rows:
        out.append("\n".join(rows) + "\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``config/README.md`` (or check it with ``--check``)."""
    from pathlib import Path

    from selfcare.core import io

    parser = argparse.ArgumentParser(prog="python -m selfcare.core.configdoc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", default="workflow/schemas/config.schema.yaml")
    parser.add_argument("--out", default="config/README.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = config_reference(io.read_yaml(args.schema))
    if args.check:
        current = io.read_text(args.out) if Path(args.out).exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run python -m selfcare.core.configdoc")
            return 1
        return 0
    io.write_text(args.out, text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
