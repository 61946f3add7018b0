# selfcare: raw study data -> validated -> de-identified -> scored -> analysed
# -> figures -> manuscript, with every reported number traced to its rule.
#
# This file is the table of contents; each stage lives in workflow/rules/.


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/deidentify.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/qualitative.smk"


rule all:
    default_target: True
    input:
        "results/validation/validation_report.json",
        "results/deid/deid_report.json",
        expand("results/scores/reliability_{tp}.csv", tp=TIMEPOINTS),
        "results/analysis/table1_published_check.csv",
        "results/analysis/flow.csv",
        "results/analysis/change.csv",
        expand("results/analysis/service_use_{site}.csv", site=SITES),
        "results/analysis/ancova.csv",
        "results/analysis/satisfaction.csv",
        "results/analysis/engagement.csv",
        "results/qualitative/code_counts.csv",
        "results/survey/binary_items.csv",
