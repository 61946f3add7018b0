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
        review="results/deid/review/review_items.csv",
        decisions=config["deidentify"]["review_decisions"],
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


rule deid_review:
    input:
        code=package_code("../scripts/deid_review.py"),
        raw=raw_files(),
        validated="results/validation/validation_report.json",
        codebook=CODEBOOK,
        xsd=wf("resources/refi-qda/project.xsd"),
        decisions=config["deidentify"]["review_decisions"],
    output:
        review="results/deid/review/review_items.csv",
    log:
        "results/logs/deid_review.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        cfg=deidentify_params(),
        tables=DEID_TABLES,
    script:
        "../scripts/deid_review.py"


rule deid_evaluation:
    input:
        code=package_code("../scripts/deid_evaluation.py"),
        evaluation=wf("resources/evaluation/deid_evaluation.json"),
    output:
        report="results/deid/deid_evaluation.json",
    log:
        "results/logs/deid_evaluation.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        minimums=config["deidentify"]["evaluation"],
    script:
        "../scripts/deid_evaluation.py"
