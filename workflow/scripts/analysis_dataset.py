"""Rule analysis_dataset: one row per participant for every analysis."""

from selfcare.analysis.dataset import build_dataset
from selfcare.core import io
from selfcare.core.runner import LOG, run


def main(smk):
    names = ("participants", "demographics", "baseline", "followup", "attendance")
    tables = {n: io.read_table(smk.input[n]) for n in names}
    ds = build_dataset(tables, io.read_table(smk.input.scores), smk.params.analysis)
    LOG.info("analysis dataset: %d participants, %d columns", *ds.shape)
    io.write_csv(smk.output.dataset, ds)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
