"""Rule qualitative: coded segments, code counts, framework matrix, quotes."""

from selfcare.core import io
from selfcare.core.runner import LOG, attach_provenance, run
from selfcare.qualitative.counts import (
    code_counts,
    cooccurrence,
    framework_matrix,
    interview_register,
    qualitative_records,
)
from selfcare.qualitative.quotes import select_quotes
from selfcare.qualitative.segments import coded_segments
from selfcare.refiqda.archive import read_qdpx


def main(smk):
    framework = io.read_yaml(smk.input.framework)
    project = read_qdpx(io.read_zip(smk.input.qdpx), io.read_text(smk.input.xsd))
    register = interview_register(
        io.read_table(smk.input.interviews), io.read_table(smk.input.participants), io.read_table(smk.input.interviewees)
    )
    cfg = smk.params.qualitative
    segments, exclusions = coded_segments(project, register, framework, cfg["policy"])
    LOG.info("%d coded segments, %d exclusion rows", len(segments), len(exclusions))
    counts = code_counts(segments, register, framework)
    texts = {s.name: s.text for s in project.sources}
    q = cfg["quotes"]
    quotes = select_quotes(segments, texts, register, framework, q["per_theme"], q["min_chars"], q["max_chars"])
    io.write_csv(smk.output.segments, segments)
    io.write_csv(smk.output.exclusions, exclusions)
    io.write_csv(smk.output.counts, counts)
    io.write_csv(smk.output.matrix, framework_matrix(segments, register, framework))
    io.write_csv(smk.output.cooccurrence, cooccurrence(segments, framework))
    io.write_csv(smk.output.quotes, quotes)
    records = qualitative_records(counts, register, framework, smk.params.formatting)
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.counts, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
