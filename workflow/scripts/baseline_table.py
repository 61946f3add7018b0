"""Rule baseline_table: Table 1 by site, its tests, and the published check."""

from selfcare.analysis.steps import baseline_characteristics
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    published = io.read_yaml(smk.input.published)
    res = baseline_characteristics(io.read_table(smk.input.dataset), smk.params.analysis, published["table1"],
                                   smk.params.formatting, smk.params.sites, published.get("sites"))
    io.write_csv(smk.output.table, res["table"])
    io.write_csv(smk.output.tests, res["tests"])
    io.write_csv(smk.output.check, res["check"])
    records = attach_provenance(res["records"], smk.rule, smk.output.tests, smk.input)
    records += attach_provenance(res["check_records"], smk.rule, smk.output.check, smk.input)
    io.write_json(smk.output.numbers, records)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
