# Stage 1: every raw file against the codebook; nothing runs on invalid data.


rule validate_raw:
    input:
        code=package_code("../scripts/validate_raw.py"),
        raw=raw_files(),
        codebook=CODEBOOK,
        measures="config/measures.yaml",
    output:
        report="results/validation/validation_report.json",
        corrections="results/validation/corrections_applied.csv",
    log:
        "results/logs/validate_raw.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        settings=config["validation"],
    script:
        "../scripts/validate_raw.py"
