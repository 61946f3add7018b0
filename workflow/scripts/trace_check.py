"""Rule trace_check: every executive-summary number traced; none typed by hand
in any prose section (selfcare.report.trace.CHECKED_SECTIONS)."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report import provenance, render
from selfcare.report.markdown import expand_includes
from selfcare.report.trace import run_trace_check


def main(smk):
    stage = Path(smk.input.html).parent / "stage"
    source = io.read_text(smk.input.qmd)
    text = expand_includes(source, lambda rel: io.read_text(stage / rel))
    by_key = {m["key"]: m for m in io.read_json(smk.input.manifest)}
    by_key.update(provenance.build_records(io.read_json(smk.input.info), smk.input.info))
    table = run_trace_check(
        source, text, smk.input.qmd, by_key, io.read_text(smk.input.html), render.pdf_text(io.read_bytes(smk.input.pdf))
    )
    LOG.info("traced %d executive-summary numbers", len(table))
    io.write_csv(smk.output.trace, table)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
