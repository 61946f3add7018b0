"""Rule deidentify: keyed pseudonyms, identifier removal, transcript scrubbing."""

import os

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify.inputs import read_handover
from selfcare.deidentify.pipeline import deidentify
from selfcare.deidentify.review import parse_decisions


def main(smk):
    cfg = smk.params.cfg
    raw, paths, key, source, tables, keys = read_handover(
        smk.input.codebook, smk.input.validated, cfg, smk.params.tables, os.environ.get(cfg["key_env"]))
    decisions = parse_decisions(io.read_yaml(smk.input.decisions), smk.input.decisions)
    result = deidentify(
        tables,
        io.read_zip(raw / paths["coding"]),
        io.read_text(smk.input.xsd),
        io.read_yaml(smk.input.allowlist),
        io.read_yaml(smk.input.measures),
        cfg,
        key,
        keys,
        decisions,
    )
    for name, path in zip(smk.params.tables, smk.output.tables):
        io.write_csv(path, result["tables"][name])
    io.write_zip(smk.output.qdpx, result["qdpx"])
    io.write_csv(smk.output.release, result["release"])
    report = {**result["report"], "key_source": source}
    io.write_json(smk.output.report, report)
    LOG.info("k-anonymity: %s", report["disclosure"]["k_after"])


run(snakemake, main)  # noqa: F821 - injected by Snakemake
