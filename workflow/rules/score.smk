# Stage 3: scoring of the standard measures (rules in config/measures.yaml),
# one job per time point and site, and reliability per time point.


rule score_measures:
    input:
        code=package_code("../scripts/score_measures.py"),
        questionnaire="results/deid/{timepoint}.csv",
        participants="results/deid/participants.csv",
        measures="config/measures.yaml",
        schema=wf("workflow/schemas/measures.schema.yaml"),
    output:
        scores="results/scores/{timepoint}_{site}.csv",
    log:
        "results/logs/score_measures_{timepoint}_{site}.log",
    wildcard_constraints:
        timepoint=TIMEPOINT_PATTERN,
        site=SITE_PATTERN,
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../scripts/score_measures.py"


rule merge_scores:
    input:
        tables=expand(
            "results/scores/{timepoint}_{site}.csv", timepoint=TIMEPOINTS, site=SITES
        ),
        code=package_code("../scripts/merge_tables.py"),
    output:
        scores="results/scores/scores.csv",
    log:
        "results/logs/merge_scores.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../scripts/merge_tables.py"


rule reliability:
    input:
        code=package_code("../scripts/reliability.py"),
        questionnaire="results/deid/{timepoint}.csv",
        measures="config/measures.yaml",
        schema=wf("workflow/schemas/measures.schema.yaml"),
    output:
        alpha="results/scores/reliability_{timepoint}.csv",
        item_total="results/scores/item_total_{timepoint}.csv",
        numbers="results/numbers/reliability_{timepoint}.json",
    log:
        "results/logs/reliability_{timepoint}.log",
    wildcard_constraints:
        timepoint=TIMEPOINT_PATTERN,
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        formatting=config["formatting"],
    script:
        "../scripts/reliability.py"
