"""Rule render_manuscript: HTML and PDF from the Quarto source, quarto or fallback,
and the searchable provenance page beside the HTML."""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.report import htmlpage, provenance, render
from selfcare.report.conditions import document_metadata
from selfcare.report.registry import flatten_variables


def main(smk):
    stage = Path(smk.output.html).parent / "stage"
    io.remove_paths([stage])
    io.copy_tree(smk.input.tables, stage / "tables")
    for png in smk.input.figures:
        io.write_bytes(stage / "figures" / Path(png).name, io.read_bytes(png))
    for snippet in smk.input.snippets:
        io.write_bytes(stage / "figures" / Path(snippet).name, io.read_bytes(snippet))
    manifest = io.read_json(smk.input.manifest)
    synthetic = bool(io.read_json(smk.input.validation).get("synthetic"))
    figures = io.read_json(smk.input.figures_manifest)
    quarto = render.find_quarto()
    variables = io.read_yaml(smk.input.variables)
    realised = flatten_variables(variables).get("assumption.sim.realise_published") == "yes"
    info = render.render_manuscript(
        str(Path(smk.input.project).parent), stage, variables, smk.output.html, smk.output.pdf,
        quarto, link=provenance.link_factory(manifest), pdf_link=provenance.link_factory(manifest, "typst"),
        synthetic=synthetic, after_body=htmlpage.card_data_html(manifest),
        postprocess=lambda html: htmlpage.annotate_figures(html, figures),
        source_date_epoch=smk.params.source_date_epoch,
        metadata=document_metadata(smk.params.sites, realised),
    )
    LOG.info("rendered with %s", info["renderer"])
    io.write_json(smk.output.info, info)
    io.write_text(smk.output.provenance, htmlpage.provenance_page(
        manifest, figures, io.read_json(smk.input.tables_manifest),
        io.read_text(smk.input.style), io.read_text(smk.input.script), smk.params.title, synthetic,
    ))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
