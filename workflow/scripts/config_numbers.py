"""Rule config_numbers: the numbers the manuscript quotes from the configuration."""

from selfcare.core import io
from selfcare.core.runner import LOG, attach_provenance, run
from selfcare.report import confignumbers


def main(smk):
    # the configuration as this run sees it (--configfile / --config overrides included)
    records = confignumbers.config_records(
        dict(smk.params.config), io.read_yaml(smk.input.measures), io.read_yaml(smk.input.simulation)
    )
    inputs = [*smk.input, smk.params.config_file]  # the settings came as params
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.numbers, inputs))
    LOG.info("%d configuration numbers", len(records))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
