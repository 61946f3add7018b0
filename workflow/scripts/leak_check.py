"""Rule leak_check: no identifier from the raw registers in any workflow output.

Every output is read as a reader meets it (document text, attribute values,
comments, scripts and styles; never image payloads), chosen by its content.
Fails closed: any hit fails the build, reporting file, line or page,
identifier type and the register row it came from (its raw row number,
never the pseudonym or the value), and so does a file or archive member
that may carry text but cannot be read; every affected output is moved out of
results/ into quarantine/leak_check/ (git-ignored; same relative paths, with
the report as quarantine/leak_check/leak_check.json), so that no later rule
and no publication step can pick it up. Snakemake rebuilds the moved outputs
on the next run, after the cause is fixed.
"""

from pathlib import Path

from selfcare.core import io
from selfcare.core.runner import LOG, run
from selfcare.deidentify import leaks
from selfcare.deidentify.documents import public_names, read_document
from selfcare.deidentify.lexicon import load_lexicon

#: Where outputs holding an identifier are moved (outside results/, git-ignored).
QUARANTINE = "quarantine/leak_check"


def main(smk):
    registers = {Path(p).name: io.read_csv(p) for p in smk.input.registers}
    corrections = io.read_csv(smk.input.corrections[0]) if len(smk.input.corrections) else None
    public = public_names(io.read_text(smk.input.bibliography), io.read_text(smk.input.manuscript))
    records = leaks.register_identifiers(registers, corrections, load_lexicon())
    index = leaks.build_leak_index(records, set(smk.params.leak["ignore_words"]), public)
    own = {str(Path(smk.output.report)), str(Path(smk.log[0]))}
    files = [p for p in io.list_files("results") if str(p) not in own]
    texts = {str(p): read_document(p.name, io.read_bytes(p)) for p in files}
    report = leaks.scan_outputs(texts, index)
    LOG.info("leak check: %d files scanned, %d files or members skipped (%d unreadable)",
             report["files_scanned"], report["files_skipped"], len(report["unreadable"]))
    if report["status"] != "passed":
        unreadable = {p for p, doc in texts.items() if any(s.fatal for s in doc.skipped)}
        hit_files = sorted({h["file"] for h in report["hits"]} | unreadable)
        moved = io.quarantine_files(hit_files, "results", QUARANTINE)
        report = {**report, "quarantined": moved, "quarantine_dir": QUARANTINE}
        io.write_json(Path(QUARANTINE) / "leak_check.json", report)
        raise leaks.LeakError(report)
    io.write_json(smk.output.report, report)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
