"""Rule leak_check: no identifier from the raw registers in any workflow output.

Every output is read as a reader meets it (document text, never image
payloads). Fails closed: any hit fails the build, reporting file, line or
page, identifier type and the register row it came from (with its pseudonym
when released), never the value, and moves every affected output out of
results/ into quarantine/leak_check/ (git-ignored; same relative paths, with
the report as quarantine/leak_check/leak_check.json), so that no later rule
and no publication step can pick it up. Snakemake rebuilds the moved outputs
on the next run, after the cause is fixed.
"""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify import leaks
from selfcare.deidentify.documents import document_segments, public_names
from selfcare.deidentify.lexicon import load_lexicon

#: Where outputs holding an identifier are moved (outside results/, git-ignored).
QUARANTINE = "quarantine/leak_check"


def main(smk):
    registers = {Path(p).name: io.read_csv(p) for p in smk.input.registers}
    released = {Path(p).name: io.read_csv(p) for p in smk.input.released}
    pids = {n: leaks.released_pseudonyms(f, released.get(n)) for n, f in registers.items()}
    corrections = io.read_csv(smk.input.corrections[0]) if len(smk.input.corrections) else None
    public = public_names(io.read_text(smk.input.bibliography), io.read_text(smk.input.manuscript))
    records = leaks.register_identifiers(registers, corrections, pids, load_lexicon())
    index = leaks.build_leak_index(records, set(smk.params.leak["ignore_words"]), public)
    own = {str(Path(smk.output.report)), str(Path(smk.log[0]))}
    files = [p for p in io.list_files("results") if str(p) not in own]
    texts = {str(p): document_segments(p.name, io.read_bytes(p)) for p in files}
    report = leaks.scan_outputs(texts, index)
    LOG.info("leak check: %d files scanned, %d skipped (images)", report["files_scanned"], report["files_skipped"])
    if report["hits"]:
        hit_files = sorted({h["file"] for h in report["hits"]})
        moved = io.quarantine_files(hit_files, "results", QUARANTINE)
        report = {**report, "quarantined": moved, "quarantine_dir": QUARANTINE}
        io.write_json(Path(QUARANTINE) / "leak_check.json", report)
        raise leaks.LeakError(report)
    io.write_json(smk.output.report, report)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
