"""Rule leak_check: no identifier from the raw registers in any workflow output.

Fails closed: any hit fails the build, reporting file, identifier type and
count, never the value.
"""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify import leaks
from selfcare.deidentify.leaks import build_leak_index


def main(smk):
    registers = {Path(p).stem: io.read_csv(p) for p in smk.input.registers}
    corrections = io.read_csv(smk.input.corrections[0]) if len(smk.input.corrections) else None
    index = build_leak_index(leaks.register_identifiers(registers, corrections), set(smk.params.ignore_words))
    own = {str(Path(smk.output.report)), str(Path(smk.log[0]))}
    files = [p for p in io.list_files("results") if str(p) not in own]
    texts = {str(p): leaks.extractable_text(p.suffix.lower(), io.read_bytes(p)) for p in files}
    report = leaks.scan_outputs(texts, index)
    LOG.info("leak check: %d files scanned, %d skipped (images)", report["files_scanned"], report["files_skipped"])
    if report["hits"]:
        raise leaks.LeakError(report)
    io.write_json(smk.output.report, report)

run(snakemake, main)  # noqa: F821 - injected by Snakemake
