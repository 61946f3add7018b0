# Stage 2: de-identification. The only rule that reads identifiable raw files
# (besides validation and the leak check); every later rule reads its outputs.

DEID_TABLES = [
    "participants",
    "demographics",
    "baseline",
    "followup",
    "attendance",
    "interviewees",
    "interviews",
    "screening",
    "survey",
]


rule deidentify:
    input:
        code=package_code("../scripts/deidentify.py"),
        raw=raw_files(),
        validated="results/validation/validation_report.json",
        codebook=CODEBOOK,
        allowlist=wf("workflow/schemas/deid_allowlist.yaml"),
        measures="config/measures.yaml",
        xsd=wf("resources/refi-qda/project.xsd"),
    output:
        tables=expand("results/deid/{table}.csv", table=DEID_TABLES),
        qdpx="results/deid/coding.qdpx",
        release="results/deid/release/participants_release.csv",
        report="results/deid/deid_report.json",
    log:
        "results/logs/deidentify.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        cfg=deidentify_params(),
        tables=DEID_TABLES,
    script:
        "../scripts/deidentify.py"
