"""Rule number_changes: every reported number that moved since the accepted version."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report.changes import number_changes_and_sentences


def main(smk):
    changes, sentences = number_changes_and_sentences(
        io.read_json(smk.input.accepted), io.read_json(smk.input.manifest), io.read_text(smk.input.qmd)
    )
    LOG.info("%d numbers changed, added or removed since the accepted version; %d sentences quote them",
             len(changes), len(sentences))
    io.write_csv(smk.output.changes, changes)
    io.write_csv(smk.output.sentences, sentences)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
