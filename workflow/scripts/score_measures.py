"""Rule score_measures: score one time point at one site."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.scoring.measures import check_measures, validate_schema
from selfcare.scoring.score import score_measures, site_items


def main(smk):
    measures = io.read_yaml(smk.input.measures)
    validate_schema(measures, io.read_yaml(smk.input.schema))
    q = io.read_table(smk.input.questionnaire)
    part = io.read_table(smk.input.participants)
    items = site_items(q, part, smk.wildcards.site)
    columns = {smk.wildcards.timepoint: set(q.columns)}
    scores = score_measures(items, check_measures(measures, columns), smk.wildcards.timepoint, ["pid", "site"])
    LOG.info("scored %d respondents", items.shape[0])
    io.write_csv(smk.output.scores, scores)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
