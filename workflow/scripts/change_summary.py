"""Rule change_summary: all pre-post comparisons and how many were significant."""

import pandas as pd
from selfcare.analysis.steps import significance_summary
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    tables = [io.read_table(p) for p in smk.input.tables]
    io.write_csv(smk.output.table, pd.concat(tables, ignore_index=True))
    records = significance_summary(tables, smk.params.analysis["alpha"], smk.params.formatting)
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.table, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
