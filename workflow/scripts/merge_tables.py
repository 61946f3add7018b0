"""Rules merging per-job tables (same columns) into one table, in input order."""

import pandas as pd
from selfcare.core import io
from selfcare.core.runner import run


def main(smk):
    frames = [io.read_table(p) for p in smk.input.tables]
    io.write_csv(smk.output[0], pd.concat(frames, ignore_index=True))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
