"""Rule tables: every table of the report as a Markdown file (pipe table + caption),
each with a note naming the files it was built from."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import run
from selfcare.report.sources import TABLE_SOURCES, artefact_record, portable_paths, workflow_root
from selfcare.report.tables.build import build_with_changes


def main(smk):
    i = smk.input
    read = io.read_table
    results = {
        "table1": read(i.table1), "table1_check": read(i.table1_check), "flow": read(i.flow),
        "change": read(i.change), "service_use": [read(p) for p in i.service_use], "ancova": read(i.ancova),
        "satisfaction": read(i.satisfaction), "engagement": read(i.engagement),
        "ancova_sensitivity": read(i.ancova_sensitivity), "engagement_sensitivity": read(i.engagement_sensitivity),
        "reliability_baseline": read(i.reliability[0]), "reliability_followup": read(i.reliability[1]),
        "code_counts": read(i.counts), "quotes": read(i.quotes), "survey_response": read(i.response),
        "survey_binary": read(i.binary), "survey_likert": read(i.likert), "changes": read(i.changes),
        "sentences": read(i.sentences),
    }
    hashes = {str(p): io.sha256_file(p) for p in smk.input}
    root = workflow_root(smk.scriptdir)  # paths of the workflow's own files relative to it
    sources = {name: portable_paths(artefact_record(name, "table", smk.rule, smk.params.script, dict(i.items()), hashes), root)
               for name in TABLE_SOURCES}
    manifest = io.read_json(i.manifest)
    out, moved = build_with_changes(
        results, {"formatting": smk.params.formatting, "sites": list(smk.params.sites), "site_info": smk.params.sites}, io.read_yaml(i.published), io.read_yaml(i.framework),
        {m["key"]: m for m in manifest}, manifest, io.read_json(i.figures), io.read_yaml(i.measures),
        {"tables": io.read_json(i.accepted_tables), "figures": io.read_json(i.accepted_figures)},
        captions=io.read_yaml(i.captions), sources=sources,
    )
    for name, text in out.items():
        io.write_text(Path(smk.output.tables) / f"{name}.md", text)
    io.write_csv(smk.output.cells, moved["cells"])
    io.write_csv(smk.output.figures, moved["figures"])
    io.write_json(smk.output.sources, [sources[name] for name in sorted(sources)])


run(snakemake, main)  # noqa: F821 - injected by Snakemake
