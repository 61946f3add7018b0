"""Rule render_manuscript: HTML and PDF from the Quarto source, quarto or fallback."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report import provenance, render


def main(smk):
    stage = Path(smk.output.html).parent / "stage"
    io.remove_paths([stage])
    io.copy_tree(smk.input.tables, stage / "tables")
    for png in smk.input.figures:
        io.write_bytes(stage / "figures" / Path(png).name, io.read_bytes(png))
    for snippet in smk.input.snippets:
        io.write_bytes(stage / "figures" / Path(snippet).name, io.read_bytes(snippet))
    quarto = render.find_quarto()
    info = render.render_manuscript(
        str(Path(smk.input.project).parent), stage, io.read_yaml(smk.input.variables), smk.output.html, smk.output.pdf,
        quarto, link=provenance.link_factory(io.read_json(smk.input.manifest)),
        synthetic=smk.params.synthetic, source_date_epoch=smk.params.source_date_epoch,
    )
    LOG.info("rendered with %s", info["renderer"])
    io.write_json(smk.output.info, info)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
