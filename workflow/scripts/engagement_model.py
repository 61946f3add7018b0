"""Rule engagement_model: regression model named in config (analysis section)."""

from selfcare.analysis.steps import engagement_model
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    res = engagement_model(io.read_table(smk.input.dataset), smk.params.analysis, smk.params.formatting)
    io.write_csv(smk.output.table, res["table"])
    io.write_csv(smk.output.sensitivity, res["sensitivity"])
    io.write_json(smk.output.numbers, attach_provenance(res["records"], smk.rule, smk.output.table, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
