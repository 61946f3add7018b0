"""Rule site_summary: the per-site results of every configured site as registry phrases."""

from selfcare.analysis.sites import site_summary
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    records = [r for path in [*smk.input.changes, *smk.input.services] for r in io.read_json(path)]
    tables = {site: io.read_table(path) for site, path in zip(smk.params.sites, smk.input.tables)}
    phrases = site_summary(records, tables, smk.params.sites, smk.params.analysis["outcomes"],
                           smk.params.analysis["alpha"], smk.params.formatting,
                           smk.params.analysis["service_use_sparse"])
    io.write_json(smk.output.numbers, attach_provenance(phrases, smk.rule, smk.output.numbers, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
