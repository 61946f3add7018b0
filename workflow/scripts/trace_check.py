"""Rule trace_check: every executive-summary number traced; none typed by hand
in any prose section (selfcare.report.trace.CHECKED_SECTIONS)."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report import provenance, render
from selfcare.report.conditions import apply_conditions
from selfcare.report.markdown import expand_includes
from selfcare.report.trace import run_trace_check


def main(smk):
    stage = Path(smk.input.html).parent / "stage"
    # the document as rendered: the conditional blocks that the staged metadata hides are dropped
    meta = io.read_yaml(stage / "_quarto.yml")
    source = apply_conditions(io.read_text(smk.input.qmd), meta, smk.input.qmd)
    text = apply_conditions(expand_includes(source, lambda rel: io.read_text(stage / rel)), meta, smk.input.qmd)
    by_key = {m["key"]: m for m in io.read_json(smk.input.manifest)}
    by_key.update(provenance.build_records(io.read_json(smk.input.info), smk.input.info))
    table = run_trace_check(
        source, text, smk.input.qmd, by_key, io.read_text(smk.input.html), render.pdf_text(io.read_bytes(smk.input.pdf))
    )
    LOG.info("traced %d executive-summary numbers", len(table))
    io.write_csv(smk.output.trace, table)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
