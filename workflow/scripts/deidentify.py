"""Rule deidentify: keyed pseudonyms, identifier removal, transcript scrubbing."""

import os
from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify.keys import choose_key
from selfcare.deidentify.pipeline import deidentify


def main(smk):
    raw = Path(smk.input.codebook).parent
    cfg = smk.params.cfg
    package = io.read_json(smk.input.codebook)
    # Verified by validation: the JSON boolean true AND the simulator's
    # signature over every file (raw/signature.py); anything else is real data.
    validated = io.read_json(smk.input.validated)
    synthetic = validated.get("synthetic") is True
    (LOG.info if synthetic else LOG.warning)("hand-over: %s", validated.get("synthetic_reason", "not verified"))
    key_file = str(Path(cfg["key_file"]).resolve()) if cfg["key_file"] else None
    demo = raw / cfg["demo_key_file"]
    key, source = choose_key(
        os.environ.get(cfg["key_env"]),
        key_file,
        io.read_text(key_file) if key_file else None,
        io.read_text(demo) if demo.exists() else None,
        synthetic,
        str(Path.cwd().resolve()),
    )
    LOG.info("pseudonymisation key from %s (synthetic data: %s)", source, synthetic)
    paths = {r["name"]: r["path"] for r in package["resources"]}
    tables = {t: io.read_csv(raw / paths[t]) for t in smk.params.tables}
    if "corrections" in paths:
        tables["corrections"] = io.read_csv(raw / paths["corrections"])
    keys = {r["name"]: list(r.get("schema", {}).get("primaryKey", [])) for r in package["resources"]}
    result = deidentify(
        tables,
        io.read_zip(raw / paths["coding"]),
        io.read_text(smk.input.xsd),
        io.read_yaml(smk.input.allowlist),
        io.read_yaml(smk.input.measures),
        cfg,
        key,
        keys,
    )
    for name, path in zip(smk.params.tables, smk.output.tables):
        io.write_csv(path, result["tables"][name])
    io.write_zip(smk.output.qdpx, result["qdpx"])
    io.write_csv(smk.output.release, result["release"])
    report = {**result["report"], "key_source": source}
    io.write_json(smk.output.report, report)
    LOG.info("k-anonymity: %s", report["disclosure"]["k_after"])


run(snakemake, main)  # noqa: F821 - injected by Snakemake
