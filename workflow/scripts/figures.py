"""Rule figures: every figure of the report as PNG, with alt text and a snippet."""

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report.sources import artefact_record, portable_paths, workflow_root
from selfcare.report import formatting
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
        formatting.outcome_names(measures),
        smk.params.analysis,
        formatting.score_ranges(measures, smk.params.formatting),
        formatting.confidence_pct(smk.params.alpha, smk.params.formatting),
        smk.params.sites,
    )
    captions = io.read_yaml(smk.input.captions)
    inputs = {str(p): io.sha256_file(p) for p in smk.input}
    manifest = []
    for name, png, snippet in zip(smk.params.names, smk.output.png, smk.output.snippets):
        data, alt = made[name]
        io.write_bytes(png, data)
        io.write_text(snippet, figure_snippet(name, caption_of(captions[name]), alt))
        own = artefact_record(name, "figure", smk.rule, smk.params.script, dict(smk.input.items()), inputs)
        used = {f["path"]: f["sha256"] for f in own["inputs"] + own["code"]}  # this figure's files only
        record = figure_record(name, png, io.sha256_file(png), alt, smk.rule, smk.params.script, used)
        manifest.append(portable_paths(record, workflow_root(smk.scriptdir)))  # no machine paths
    LOG.info("%d figures written", len(manifest))
    io.write_json(smk.output.manifest, manifest)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
