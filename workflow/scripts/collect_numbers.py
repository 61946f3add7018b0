"""Rule collect_numbers: merge every numbers fragment into the registry.

Writes the Quarto variables file and the provenance manifest (each number to
its rule, output file, script and package modules, and the jobs' inputs, all
with sha256).
"""

from pathlib import Path

from selfcare import io, provenance, registry, tables
from selfcare.runner import LOG, attach_provenance, run


def main(smk):
    fragments = [(p, io.read_json(p)) for p in smk.input.fragments]
    published = attach_provenance(
        tables.published_records(io.read_yaml(smk.input.published), smk.params.formatting),
        smk.rule, smk.input.published, [smk.input.published],
    )
    fragments.append((smk.input.published, published))
    records = registry.merge_fragments(fragments)
    scripts = dict(smk.params.rule_scripts)
    package = Path(provenance.__file__).parent
    modules = {p.stem: io.read_text(p) for p in sorted(package.glob("*.py"))}
    script_modules = {
        s: [str(package / f"{m}.py") for m in provenance.imported_modules(io.read_text(s), modules)]
        for s in sorted(set(scripts.values()))
    }
    info = provenance.rule_info(records, scripts, script_modules)
    paths = {r["output"] for r in records}
    for entry in info.values():
        paths.update([entry["script"], *entry["inputs"], *entry["modules"]])
    hashes = {p: io.sha256_file(p) for p in sorted(paths)}
    clean = [{k: v for k, v in r.items() if k != "job_inputs"} for r in records]
    manifest = registry.provenance_manifest(clean, hashes, info)
    io.write_yaml(smk.output.variables, registry.quarto_variables(clean))
    io.write_json(smk.output.manifest, manifest)
    io.write_csv(smk.output.table, registry.manifest_table(manifest))
    LOG.info("registry: %d numbers from %d fragments", len(manifest), len(fragments))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
