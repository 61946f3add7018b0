"""Rule change_by_site: one site's analysis (a separate job per site)."""

from selfcare.analysis.steps import change_by_site
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    res = change_by_site(io.read_table(smk.input.dataset), smk.wildcards.site, smk.params.analysis, smk.params.formatting)
    io.write_csv(smk.output.table, res["table"])
    io.write_json(smk.output.numbers, attach_provenance(res["records"], smk.rule, smk.output.table, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
