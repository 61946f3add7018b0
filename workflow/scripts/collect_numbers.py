"""Rule collect_numbers: merge every numbers fragment into the registry.

Writes the Quarto variables file and the provenance manifest (each number to
its rule, output file, script and package modules, and the jobs' inputs, all
with sha256).
"""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, attach_provenance, run
from selfcare.report import provenance, registry, reproduction
from selfcare.report.sources import portable_paths, workflow_root
from selfcare.report.tables.published import published_records


def main(smk):
    fragments = [(p, io.read_json(p)) for p in smk.input.fragments]
    published = published_records(io.read_yaml(smk.input.published), smk.params.formatting)
    fragments.append((smk.input.published, attach_provenance(published, smk.rule, smk.input.published, [smk.input.published])))
    by_key = {r["key"]: r for r in registry.merge_fragments(fragments)}
    alpha = float(by_key["config.alpha"]["value"])
    rows = reproduction.verdicts(io.read_yaml(smk.input.published), by_key, alpha, smk.params.sites)
    verdicts = reproduction.verdict_records(rows,
                                            smk.params.formatting, smk.rule, smk.input.published)
    fragments.append((smk.input.published, attach_provenance(verdicts, smk.rule, smk.input.published, [smk.input.published])))
    scripts = dict(smk.params.rule_scripts)
    package = Path(smk.input.package).parent  # the package's __init__.py names its folder
    records, info, paths = provenance.assemble(
        registry.merge_fragments(fragments),
        scripts,
        {s: io.read_text(s) for s in sorted(set(scripts.values()))},
        io.read_package_sources(package),
        str(package.parent),
    )
    manifest = registry.provenance_manifest(records, {p: io.sha256_file(p) for p in paths}, info)
    manifest = portable_paths(manifest, workflow_root(smk.scriptdir))  # no machine paths in the report
    io.write_yaml(smk.output.variables, registry.quarto_variables(records))
    io.write_json(smk.output.manifest, manifest)
    io.write_csv(smk.output.table, registry.manifest_table(manifest))
    LOG.info("registry: %d numbers from %d fragments", len(manifest), len(fragments))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
