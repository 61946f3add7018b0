"""Rule deid_review: the transcript words the scrubber could not place, as keyed hashes."""

import os

import pandas as pd

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify.inputs import read_handover
from selfcare.deidentify.pipeline import review_transcripts
from selfcare.deidentify.review import REVIEW_COLUMNS, parse_decisions


def main(smk):
    cfg = smk.params.cfg
    raw, paths, key, _, tables, keys = read_handover(
        smk.input.codebook, smk.input.validated, cfg, smk.params.tables, os.environ.get(cfg["key_env"]))
    decisions = parse_decisions(io.read_yaml(smk.input.decisions), smk.input.decisions)
    rows = review_transcripts(tables, io.read_zip(raw / paths["coding"]),
                              io.read_text(smk.input.xsd), cfg, key, decisions, keys)
    io.write_csv(smk.output.review, pd.DataFrame(rows, columns=list(REVIEW_COLUMNS)))
    LOG.info("review: %d word occurrence(s), %d pending", len(rows), sum(r["decision"] == "pending" for r in rows))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
