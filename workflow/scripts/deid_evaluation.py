"""Rule deid_evaluation: recall and precision of the scrubber on the annotated evaluation set,
held to the minimums of deidentify.evaluation (a shortfall fails the rule, naming kind and figures)."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify.evaluate import check_evaluation, evaluate_scrubber
from selfcare.deidentify.lexicon import load_lexicon


def main(smk):
    report = evaluate_scrubber(io.read_json(smk.input.evaluation), load_lexicon())
    report["minimums"] = check_evaluation(report, smk.params.minimums)
    io.write_json(smk.output.report, report)
    LOG.info("evaluation: %d regions, overall precision %s", report["regions"], report["precision_overall"])


run(snakemake, main)  # noqa: F821 - injected by Snakemake
