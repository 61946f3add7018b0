"""Rule score_measures: score one time point at one site."""

from selfcare import io, scoring
from selfcare.runner import LOG, run


def main(smk):
    measures = io.read_yaml(smk.input.measures)
    scoring.validate_schema(measures, io.read_yaml(smk.input.schema))
    q = io.read_table(smk.input.questionnaire)
    part = io.read_table(smk.input.participants)
    items = scoring.site_items(q, part, smk.wildcards.site)
    columns = {smk.wildcards.timepoint: set(q.columns)}
    scores = scoring.score_measures(items, scoring.check_measures(measures, columns), smk.wildcards.timepoint, ["pid", "site"])
    LOG.info("scored %d respondents", items.shape[0])
    io.write_csv(smk.output.scores, scores)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
