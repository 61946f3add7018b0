"""Rule qualitative: coded segments, code counts, framework matrix, quotes."""

from selfcare import io, qual, refiqda
from selfcare.runner import LOG, attach_provenance, run


def main(smk):
    framework = io.read_yaml(smk.input.framework)
    project = refiqda.read_qdpx(io.read_zip(smk.input.qdpx), io.read_text(smk.input.xsd))
    register = qual.interview_register(
        io.read_table(smk.input.interviews), io.read_table(smk.input.participants), io.read_table(smk.input.interviewees)
    )
    cfg = smk.params.qualitative
    segments, exclusions = qual.coded_segments(project, register, framework, cfg["policy"])
    LOG.info("%d coded segments, %d exclusion rows", len(segments), len(exclusions))
    counts = qual.code_counts(segments, register, framework)
    texts = {s.name: s.text for s in project.sources}
    q = cfg["quotes"]
    quotes = qual.select_quotes(segments, texts, register, framework, q["per_theme"], q["min_chars"], q["max_chars"])
    io.write_csv(smk.output.segments, segments)
    io.write_csv(smk.output.exclusions, exclusions)
    io.write_csv(smk.output.counts, counts)
    io.write_csv(smk.output.matrix, qual.framework_matrix(segments, register, framework))
    io.write_csv(smk.output.cooccurrence, qual.cooccurrence(segments, framework))
    io.write_csv(smk.output.quotes, quotes)
    records = qual.qualitative_records(counts, register, framework, smk.params.formatting)
    io.write_json(smk.output.numbers, attach_provenance(records, smk.rule, smk.output.counts, smk.input))


run(snakemake, main)  # noqa: F821 - injected by Snakemake
