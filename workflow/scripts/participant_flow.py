"""Rule participant_flow: referral to analysis per site, every record counted."""

from selfcare.analysis.steps import participant_flow
from selfcare.core import io
from selfcare.core.runner import attach_provenance, run


def main(smk):
    excluded = io.read_json(smk.input.deid_report)["excluded_participants"]
    res = participant_flow(io.read_table(smk.input.screening), io.read_table(smk.input.dataset),
                           smk.params.analysis, smk.params.formatting, excluded, smk.params.sites)
    io.write_csv(smk.output.table, res["table"])
    io.write_json(smk.output.numbers, attach_provenance(res["records"], smk.rule, smk.output.table, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
