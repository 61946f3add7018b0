# Stage 4: quantitative analysis. Each analysis writes a tidy table and a
# fragment of named numbers (results/numbers/*.json) for the registry.

DATASET = "results/analysis/dataset.csv"


rule analysis_dataset:
    input:
        code=package_code("../scripts/analysis_dataset.py"),
        participants="results/deid/participants.csv",
        demographics="results/deid/demographics.csv",
        baseline="results/deid/baseline.csv",
        followup="results/deid/followup.csv",
        attendance="results/deid/attendance.csv",
        scores="results/scores/scores.csv",
    output:
        dataset=DATASET,
    log:
        "results/logs/analysis_dataset.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=dataset_params(),
    script:
        "../scripts/analysis_dataset.py"


rule baseline_table:
    input:
        code=package_code("../scripts/baseline_table.py"),
        dataset=DATASET,
        published="config/published.yaml",
    output:
        table="results/analysis/table1.csv",
        tests="results/analysis/table1_tests.csv",
        check="results/analysis/table1_published_check.csv",
        numbers="results/numbers/table1.json",
    log:
        "results/logs/baseline_table.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("baseline_table", "alpha"),
        formatting=config["formatting"],
        sites=SITES,
    script:
        "../scripts/baseline_table.py"


rule participant_flow:
    input:
        code=package_code("../scripts/participant_flow.py"),
        dataset=DATASET,
        screening="results/deid/screening.csv",
        deid_report="results/deid/deid_report.json",
    output:
        table="results/analysis/flow.csv",
        numbers="results/numbers/flow.json",
    log:
        "results/logs/participant_flow.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("outcomes"),
        formatting=config["formatting"],
        sites=SITES,
    script:
        "../scripts/participant_flow.py"


rule change_by_site:
    input:
        code=package_code("../scripts/change_by_site.py"),
        dataset=DATASET,
    output:
        table="results/analysis/change_{site}.csv",
        numbers="results/numbers/change_{site}.json",
    log:
        "results/logs/change_by_site_{site}.log",
    wildcard_constraints:
        site=SITE_PATTERN,
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params(
            "outcomes",
            "alpha",
            "wilcoxon_zero_method",
            "wilcoxon_tie_decimals",
            "estimability",
        ),
        formatting=config["formatting"],
    script:
        "../scripts/change_by_site.py"


rule change_summary:
    input:
        code=package_code("../scripts/change_summary.py"),
        tables=expand("results/analysis/change_{site}.csv", site=SITES),
    output:
        table="results/analysis/change.csv",
        numbers="results/numbers/change_summary.json",
    log:
        "results/logs/change_summary.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("alpha"),
        formatting=config["formatting"],
    script:
        "../scripts/change_summary.py"


rule service_use_by_site:
    input:
        code=package_code("../scripts/service_use_by_site.py"),
        dataset=DATASET,
    output:
        table="results/analysis/service_use_{site}.csv",
        numbers="results/numbers/service_use_{site}.json",
    log:
        "results/logs/service_use_by_site_{site}.log",
    wildcard_constraints:
        site=SITE_PATTERN,
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params(
            "service_use",
            "alpha",
            "service_use_kind",
            "service_use_sparse",
            "estimability",
        ),
        formatting=config["formatting"],
    script:
        "../scripts/service_use_by_site.py"


rule site_summary:
    input:
        code=package_code("../scripts/site_summary.py"),
        changes=expand("results/numbers/change_{site}.json", site=SITES),
        services=expand("results/numbers/service_use_{site}.json", site=SITES),
        tables=expand("results/analysis/service_use_{site}.csv", site=SITES),
    output:
        numbers="results/numbers/site_summary.json",
    log:
        "results/logs/site_summary.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("outcomes", "alpha", "service_use_sparse"),
        formatting=config["formatting"],
        sites=SITES,
    script:
        "../scripts/site_summary.py"


rule ancova:
    input:
        code=package_code("../scripts/ancova.py"),
        dataset=DATASET,
    output:
        table="results/analysis/ancova.csv",
        info="results/analysis/ancova_crosscheck.csv",
        sensitivity="results/analysis/ancova_sensitivity.csv",
        numbers="results/numbers/ancova.json",
    log:
        "results/logs/ancova.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("ancova", "alpha", "estimability"),
        formatting=config["formatting"],
    script:
        "../scripts/ancova.py"


rule satisfaction_model:
    input:
        code=package_code("../scripts/satisfaction_model.py"),
        dataset=DATASET,
    output:
        table="results/analysis/satisfaction.csv",
        numbers="results/numbers/satisfaction.json",
    log:
        "results/logs/satisfaction_model.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("satisfaction", "alpha", "estimability"),
        formatting=config["formatting"],
    script:
        "../scripts/satisfaction_model.py"


rule engagement_model:
    input:
        code=package_code("../scripts/engagement_model.py"),
        dataset=DATASET,
    output:
        table="results/analysis/engagement.csv",
        sensitivity="results/analysis/engagement_sensitivity.csv",
        numbers="results/numbers/engagement.json",
    log:
        "results/logs/engagement_model.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        analysis=analysis_params("engagement", "alpha", "estimability"),
        formatting=config["formatting"],
    script:
        "../scripts/engagement_model.py"
