"""Rule tables: every table of the report as a Markdown file (pipe table + caption)."""

from pathlib import Path

from selfcare import io, tables
from selfcare.runner import run


def main(smk):
    i = smk.input
    f = smk.params.formatting
    framework = io.read_yaml(i.framework)
    manifest = io.read_json(i.manifest)
    by_key = {m["key"]: m for m in manifest}
    read = io.read_table
    out = {
        "table1": tables.table1_md(read(i.table1)),
        "flow": tables.flow_md(read(i.flow)),
        "change": tables.change_md(read(i.change), f),
        "service_use": tables.service_use_md([read(p) for p in i.service_use], f),
        "models": tables.models_md(read(i.ancova), read(i.satisfaction), read(i.engagement), f),
        "reliability": tables.reliability_md(read(i.reliability[0]), read(i.reliability[1]), f),
        "qual_counts": tables.qual_counts_md(read(i.counts), framework),
        "quotes": tables.quotes_md(read(i.quotes), framework),
        "survey": tables.survey_md(read(i.response), read(i.binary), read(i.likert), f),
        "reproduction": tables.reproduction_md(io.read_yaml(i.published), by_key, read(i.table1_check), f),
        "table1_check": tables.table1_check_md(read(i.table1_check), f),
        "provenance": tables.provenance_md(manifest),
        "figures_provenance": tables.figures_provenance_md(io.read_json(i.figures)),
        "changes": tables.changes_md(read(i.changes)),
    }
    folder = Path(smk.output[0])
    for name, text in out.items():
        io.write_text(folder / f"{name}.md", text)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
