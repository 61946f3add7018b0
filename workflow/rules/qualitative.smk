# Stage 5: qualitative code counts from the scrubbed REFI-QDA export, quotes,
# and the national survey.


rule qualitative:
    input:
        code=package_code("../scripts/qualitative.py"),
        qdpx="results/deid/coding.qdpx",
        interviews="results/deid/interviews.csv",
        participants="results/deid/participants.csv",
        interviewees="results/deid/interviewees.csv",
        framework="config/framework.yaml",
        xsd=wf("resources/refi-qda/project.xsd"),
    output:
        segments="results/qualitative/segments.csv",
        exclusions="results/qualitative/exclusions.csv",
        counts="results/qualitative/code_counts.csv",
        matrix="results/qualitative/framework_matrix.csv",
        cooccurrence="results/qualitative/cooccurrence.csv",
        quotes="results/qualitative/quotes.csv",
        numbers="results/numbers/qualitative.json",
    log:
        "results/logs/qualitative.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        qualitative=config["qualitative"],
        formatting=config["formatting"],
    script:
        "../scripts/qualitative.py"


rule survey:
    input:
        code=package_code("../scripts/survey.py"),
        survey="results/deid/survey.csv",
        codebook=CODEBOOK,
    output:
        response="results/survey/response.csv",
        binary="results/survey/binary_items.csv",
        likert="results/survey/likert_items.csv",
        numbers="results/numbers/survey.json",
    log:
        "results/logs/survey.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        invited=config["survey"]["invited"],
        formatting=config["formatting"],
    script:
        "../scripts/survey.py"
