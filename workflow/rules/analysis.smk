# Stage 4: quantitative analysis. Each analysis writes a tidy table and a
# fragment of named numbers (results/numbers/*.json) for the registry.

DEID = "results/deid/"
DATASET = "results/analysis/dataset.csv"


rule analysis_dataset:
    input:
        participants=DEID + "participants.csv",
        demographics=DEID + "demographics.csv",
        baseline=DEID + "baseline.csv",
        followup=DEID + "followup.csv",
        attendance=DEID + "attendance.csv",
        scores="results/scores/scores.csv",
    output:
        dataset=DATASET,
    params:
        analysis=config["analysis"],
    log:
        "results/logs/analysis_dataset.log",
    script:
        "../scripts/analysis_dataset.py"


rule baseline_table:
    input:
        dataset=DATASET,
        published="config/published.yaml",
    output:
        table="results/analysis/table1.csv",
        tests="results/analysis/table1_tests.csv",
        check="results/analysis/table1_published_check.csv",
        numbers="results/numbers/table1.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/baseline_table.log",
    script:
        "../scripts/baseline_table.py"


rule participant_flow:
    input:
        dataset=DATASET,
        screening=DEID + "screening.csv",
    output:
        table="results/analysis/flow.csv",
        numbers="results/numbers/flow.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/participant_flow.log",
    script:
        "../scripts/participant_flow.py"


rule change_by_site:
    input:
        dataset=DATASET,
    output:
        table="results/analysis/change_{site}.csv",
        numbers="results/numbers/change_{site}.json",
    wildcard_constraints:
        site="LO|SO|NO",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/change_by_site_{site}.log",
    script:
        "../scripts/change_by_site.py"


rule change_summary:
    input:
        tables=expand("results/analysis/change_{site}.csv", site=SITES),
    output:
        table="results/analysis/change.csv",
        numbers="results/numbers/change_summary.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/change_summary.log",
    script:
        "../scripts/change_summary.py"


rule service_use_by_site:
    input:
        dataset=DATASET,
    output:
        table="results/analysis/service_use_{site}.csv",
        numbers="results/numbers/service_use_{site}.json",
    wildcard_constraints:
        site="LO|SO|NO",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/service_use_by_site_{site}.log",
    script:
        "../scripts/service_use_by_site.py"


rule ancova:
    input:
        dataset=DATASET,
    output:
        table="results/analysis/ancova.csv",
        info="results/analysis/ancova_crosscheck.csv",
        numbers="results/numbers/ancova.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/ancova.log",
    script:
        "../scripts/ancova.py"


rule satisfaction_model:
    input:
        dataset=DATASET,
    output:
        table="results/analysis/satisfaction.csv",
        numbers="results/numbers/satisfaction.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/satisfaction_model.log",
    script:
        "../scripts/satisfaction_model.py"


rule engagement_model:
    input:
        dataset=DATASET,
    output:
        table="results/analysis/engagement.csv",
        numbers="results/numbers/engagement.json",
    params:
        analysis=config["analysis"],
        formatting=config["formatting"],
    log:
        "results/logs/engagement_model.log",
    script:
        "../scripts/engagement_model.py"
