"""Rule trace_check: every executive-summary number traced; none typed by hand
in any prose section (trace.CHECKED_SECTIONS)."""

from pathlib import Path

from selfcare import io, provenance, render, trace
from selfcare.runner import LOG, run


def main(smk):
    stage = Path(smk.input.html).parent / "stage"
    source = io.read_text(smk.input.qmd)
    text = trace.expand_includes(source, lambda rel: io.read_text(stage / rel))
    by_key = {m["key"]: m for m in io.read_json(smk.input.manifest)}
    by_key.update(provenance.build_records(io.read_json(smk.input.info), smk.input.info))
    table = trace.run_trace_check(
        source, text, smk.input.qmd, by_key, io.read_text(smk.input.html), render.pdf_text(io.read_bytes(smk.input.pdf))
    )
    LOG.info("traced %d executive-summary numbers", len(table))
    io.write_csv(smk.output.trace, table)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
