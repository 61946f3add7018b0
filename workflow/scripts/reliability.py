"""Rule reliability: Cronbach's alpha and corrected item-total correlations."""

from selfcare.core import io
from selfcare.core.runner import attach_provenance, run
from selfcare.scoring.measures import check_measures, validate_schema
from selfcare.scoring.reliability import reliability, reliability_records


def main(smk):
    measures = io.read_yaml(smk.input.measures)
    validate_schema(measures, io.read_yaml(smk.input.schema))
    q = io.read_table(smk.input.questionnaire)
    tp = smk.wildcards.timepoint
    alpha, item_total = reliability(q, check_measures(measures, {tp: set(q.columns)}), tp)
    io.write_csv(smk.output.alpha, alpha)
    io.write_csv(smk.output.item_total, item_total)
    records = reliability_records(alpha, tp, smk.params.formatting)
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.alpha, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
