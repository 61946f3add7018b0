"""Rule survey: response rate and item summaries of the national survey."""

from selfcare.core import io
from selfcare.core.runner import attach_provenance, run
from selfcare.survey import summary as survey


def main(smk):
    items = survey.items_from_codebook(io.read_json(smk.input.codebook))
    response, binary, likert = survey.survey_summary(io.read_table(smk.input.survey), items, smk.params.invited)
    io.write_csv(smk.output.response, response)
    io.write_csv(smk.output.binary, binary)
    io.write_csv(smk.output.likert, likert)
    records = survey.survey_records(response, binary, likert, smk.params.formatting)
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.binary, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
