"""Rule figures: every figure of the report as PNG, with alt text and a snippet."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report.figures.build import (
    all_figures,
    caption_of,
    figure_record,
    figure_snippet,
)

TABLES = ("flow", "change", "dataset", "ancova", "satisfaction", "engagement", "counts", "survey", "scores")


def main(smk):
    measures = io.read_yaml(smk.input.measures)
    made = all_figures(
        {k: io.read_table(smk.input[k]) for k in TABLES},
        io.read_yaml(smk.input.framework),
        {k: m["label"] for k, m in measures["measures"].items()},
        smk.params.analysis,
        smk.params.sites,
    )
    captions = io.read_yaml(smk.input.captions)
    inputs = {str(p): io.sha256_file(p) for p in smk.input}
    manifest = []
    for name, png, snippet in zip(smk.params.names, smk.output.png, smk.output.snippets):
        data, alt = made[name]
        io.write_bytes(png, data)
        io.write_text(snippet, figure_snippet(name, caption_of(captions[name]), alt))
        manifest.append(figure_record(name, png, io.sha256_file(png), alt, smk.rule, smk.params.script, inputs))
    LOG.info("%d figures written", len(manifest))
    io.write_json(smk.output.manifest, manifest)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
