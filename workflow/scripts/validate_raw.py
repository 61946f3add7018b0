"""Rule validate_raw: check every raw file against the codebook."""

from pathlib import Path

import pandas as pd

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.raw import validate
from selfcare.raw.corrections import TRAIL_COLUMNS
from selfcare.raw.signature import synthetic_status


def main(smk):
    raw_dir = Path(smk.input.codebook).parent
    package = io.read_json(smk.input.codebook)
    files = {str(Path(p).relative_to(raw_dir)): io.read_bytes(p) for p in smk.input.raw}
    needed = validate.needed_columns(io.read_yaml(smk.input.measures))
    report = validate.validate_raw(files, package, needed)
    report["synthetic"], report["synthetic_reason"] = synthetic_status(package, io.read_tree(raw_dir))
    LOG.info("validated %d files, %d transcripts", len(report["files"]), report["transcripts"])
    io.write_json(smk.output.report, report)
    io.write_csv(smk.output.corrections, pd.DataFrame(report["corrections_applied"], columns=TRAIL_COLUMNS))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
