"""Rule number_changes: every reported number that moved since the accepted version."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report.changes import number_changes


def main(smk):
    changes = number_changes(io.read_json(smk.input.accepted), io.read_json(smk.input.manifest))
    LOG.info("%d numbers changed, added or removed since the accepted version", len(changes))
    io.write_csv(smk.output.changes, changes)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
