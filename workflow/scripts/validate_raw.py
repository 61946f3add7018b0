"""Rule validate_raw: check every raw file against the codebook."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.raw import validate
from selfcare.raw.handover import run_validation


def main(smk):
    codebook = Path(smk.input.codebook)
    needed = validate.needed_columns(io.read_yaml(smk.input.measures))
    report = run_validation(codebook.parent, needed, smk.params.settings, smk.output.report, smk.output.corrections,
                            codebook.name)
    LOG.info("validated %d files, %d transcripts", len(report["files"]), report["transcripts"])
    for w in report.get("warnings", []):
        LOG.warning("%s: %d file(s) in %s (positions %s in the sorted listing)", w["check"], w["count"],
                    w["folder"], ", ".join(map(str, w["positions"])))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
