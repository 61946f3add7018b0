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
include: "workflow/rules/manuscript.smk"


rule all:
    default_target: True
    input:
        "results/report/index.html",
        "results/report/index.pdf",
        "results/report/trace.csv",
        "results/report/number_changes.csv",
        "results/checks/leak_check.json",
        "results/deid/deid_evaluation.json",
