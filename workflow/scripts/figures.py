"""Rule figures: every figure of the report as PNG, with alt text and a snippet."""

from pathlib import Path

from selfcare import figures, io
from selfcare.runner import LOG, run


def main(smk):
    t = {k: io.read_table(smk.input[k]) for k in
         ("flow", "change", "dataset", "ancova", "satisfaction", "engagement", "counts", "survey", "scores")}
    measures = io.read_yaml(smk.input.measures)
    labels = {k: m["label"] for k, m in measures["measures"].items()}
    anc = smk.params.analysis
    made = figures.all_figures(t, io.read_yaml(smk.input.framework), labels, anc)
    captions = io.read_yaml(smk.input.captions)
    manifest = []
    for name, png, snippet in zip(smk.params.names, smk.output.png, smk.output.snippets):
        data, alt = made[name]
        io.write_bytes(png, data)
        entry = captions[name]
        caption = entry["caption"] if isinstance(entry, dict) else entry
        io.write_text(snippet, figures.figure_snippet(name, caption, alt))
        manifest.append({"name": name, "file": png, "sha256": io.sha256_file(png), "alt": alt,
                         "rule": smk.rule, "script": "workflow/scripts/figures.py",
                         "inputs": [{"path": str(p), "sha256": io.sha256_file(p)} for p in smk.input]})
        LOG.info("figure %s written", Path(png).name)
    io.write_json(smk.output.manifest, manifest)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
