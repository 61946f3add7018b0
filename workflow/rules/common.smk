# Shared definitions: config validation against workflow/schemas/ (unknown keys
# rejected), the raw-file list from the hand-over's codebook, and paths.
import json
from pathlib import Path

from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

RAW = Path(config["data"]["raw_dir"])
CODEBOOK = RAW / config["data"]["codebook"]
SITES = list(config["sites"])
TIMEPOINTS = ["baseline", "followup"]


def raw_files():
    """Every file the codebook of the raw hand-over names."""
    package = json.loads(CODEBOOK.read_text(encoding="utf-8-sig"))
    paths = [str(CODEBOOK)]
    for res in package["resources"]:
        items = res["path"] if isinstance(res["path"], list) else [res["path"]]
        paths += [str(RAW / p) for p in items]
    return paths


def manuscript_sources():
    """The manuscript's source files (the Quarto project in manuscript/)."""
    return sorted(
        str(p)
        for p in Path("manuscript").rglob("*")
        if p.is_file() and not p.name.startswith(".") and "_site" not in p.parts
    )


def rule_scripts():
    """Rule name -> the script it runs (for the provenance manifest)."""
    out = {}
    for r in workflow.rules:
        if r.script:
            out[r.name] = str(
                Path("workflow/rules", r.script).resolve().relative_to(Path.cwd())
            )
    return out
