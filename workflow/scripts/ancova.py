"""Rule ancova: medication choice and 9-month outcomes, adjusted for baseline."""

from selfcare.analysis.steps import ancova_models
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    res = ancova_models(io.read_table(smk.input.dataset), smk.params.analysis, smk.params.formatting)
    io.write_csv(smk.output.table, res["table"])
    io.write_csv(smk.output.info, res["info"])
    io.write_csv(smk.output.sensitivity, res["sensitivity"])
    io.write_json(smk.output.numbers, attach_provenance(res["records"], smk.rule, smk.output.table, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
