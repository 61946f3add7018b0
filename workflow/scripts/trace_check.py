"""Rule trace_check: every executive-summary number traced; none typed by hand
in the executive summary or the methods (trace.CHECKED_SECTIONS)."""

from pathlib import Path

from selfcare import io, provenance, render, trace
from selfcare.runner import LOG, run


def main(smk):
    stage = Path(smk.input.html).parent / "stage"
    text = trace.expand_includes(io.read_text(smk.input.qmd), lambda rel: io.read_text(stage / rel))
    manifest = io.read_json(smk.input.manifest)
    by_key = {m["key"]: m for m in manifest}
    info = io.read_json(smk.input.info)
    by_key.update(provenance.build_records(info, smk.input.info))
    trace.check_var_keys(text, set(by_key), smk.input.qmd)
    for heading, allow in trace.CHECKED_SECTIONS.items():
        section, first = trace.extract_section(text, heading)
        trace.check_no_hand_typed_digits(section, first, smk.input.qmd, allow)
    table = trace.trace_table(text, "Executive summary", by_key)
    displays = {k: by_key[k]["display"] for k, _ in trace.find_var_keys(text)}
    html = io.read_text(smk.input.html)
    pdf = render.pdf_text(io.read_bytes(smk.input.pdf))
    trace.check_values_rendered(displays, trace.html_visible_text(html), pdf)
    LOG.info("traced %d executive-summary numbers; %d values found in HTML and PDF", len(table), len(displays))
    io.write_csv(smk.output.trace, table)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
