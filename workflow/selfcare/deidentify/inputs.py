"""Reading the raw hand-over for the de-identification rules: key, tables, primary keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from selfcare.core import io
from selfcare.core.runner import LOG
from selfcare.deidentify.keys import choose_key

__all__ = ["read_handover"]


def read_handover(
    codebook: str, validated_report: str, cfg: Mapping[str, Any], table_names: Sequence[str],
    env_value: str | None,
) -> tuple[Path, dict[str, Any], bytes, str, dict[str, Any], dict[str, list[str]]]:
    """The pseudonymisation key and the raw tables of a validated hand-over.

    Parameters
    ----------
    codebook : str
        ``datapackage.json`` of the hand-over.
    validated_report : str
        The validation report (says whether the hand-over is synthetic).
    cfg : mapping
        The ``deidentify`` section of the configuration.
    table_names : sequence of str
        Raw tables to read (``corrections`` is added when present).
    env_value : str or None
        The key environment variable's value.

    Returns
    -------
    raw, paths, key, source, tables, keys
        Raw folder, resource paths, key and where it came from, raw tables,
        primary keys per resource.
    """
    raw = Path(codebook).parent
    package = io.read_json(codebook)
    # Verified by validation: the JSON boolean true AND the simulator's
    # signature over every file (raw/signature.py); anything else is real data.
    validated = io.read_json(validated_report)
    synthetic = validated.get("synthetic") is True
    (LOG.info if synthetic else LOG.warning)("hand-over: %s", validated.get("synthetic_reason", "not verified"))
    key_file = str(Path(cfg["key_file"]).resolve()) if cfg["key_file"] else None
    demo = raw / cfg["demo_key_file"]
    key, source = choose_key(
        env_value,
        key_file,
        io.read_text(key_file) if key_file else None,
        io.read_text(demo) if demo.exists() else None,
        synthetic,
        str(Path.cwd().resolve()),
    )
    LOG.info("pseudonymisation key from %s (synthetic data: %s)", source, synthetic)
    paths = {r["name"]: r["path"] for r in package["resources"]}
    tables = {t: io.read_csv(raw / paths[t]) for t in table_names}
    if "corrections" in paths:
        tables["corrections"] = io.read_csv(raw / paths["corrections"])
    keys = {r["name"]: list(r.get("schema", {}).get("primaryKey", [])) for r in package["resources"]}
    return raw, paths, key, source, tables, keys
