# Stage 6: figures, tables, the numbers registry, the rendered manuscript, the
# trace check of every reported number, and the fail-closed leak check.

FIGURES = ["flow", "change", "ae", "forest", "themes", "survey", "scores"]
NUMBER_FRAGMENTS = [
    "results/numbers/table1.json",
    "results/numbers/flow.json",
    "results/numbers/change_summary.json",
    "results/numbers/site_summary.json",
    "results/numbers/ancova.json",
    "results/numbers/satisfaction.json",
    "results/numbers/engagement.json",
    "results/numbers/qualitative.json",
    "results/numbers/survey.json",
    "results/numbers/config.json",
    *expand("results/numbers/change_{site}.json", site=SITES),
    *expand("results/numbers/service_use_{site}.json", site=SITES),
    *expand("results/numbers/reliability_{tp}.json", tp=TIMEPOINTS),
]


rule figures:
    input:
        code=package_code("../scripts/figures.py"),
        flow="results/analysis/flow.csv",
        change="results/analysis/change.csv",
        dataset="results/analysis/dataset.csv",
        ancova="results/analysis/ancova.csv",
        satisfaction="results/analysis/satisfaction.csv",
        engagement="results/analysis/engagement.csv",
        counts="results/qualitative/code_counts.csv",
        survey="results/survey/binary_items.csv",
        scores="results/scores/scores.csv",
        framework="config/framework.yaml",
        measures="config/measures.yaml",
        captions=wf("manuscript/figures.yaml"),
    output:
        png=[
            in_report(f"results/figures/{name}.png", f"figure-{name}.rst", "Figures")
            for name in FIGURES
        ],
        snippets=expand("results/manuscript/figures/{name}.md", name=FIGURES),
        manifest="results/figures/figures.json",
    log:
        "results/logs/figures.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        names=FIGURES,
        script=wf("workflow/scripts/figures.py"),
        captions=figure_captions(),
        analysis=analysis_params("ancova", "satisfaction", "engagement"),
        alpha=config["analysis"]["alpha"],
        formatting=config["formatting"],
        sites=SITES,
    script:
        "../scripts/figures.py"


rule config_numbers:
    input:
        code=package_code("../scripts/config_numbers.py"),
        measures="config/measures.yaml",
        simulation="config/simulation.yaml",
    output:
        numbers="results/numbers/config.json",
    log:
        "results/logs/config_numbers.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        # the settings as values, not config.yaml as an input: editing a
        # setting the text does not quote (say, a leak-check word) rebuilds nothing
        config=config_without_leak_check(),
        config_file="config/config.yaml",
    script:
        "../scripts/config_numbers.py"


rule collect_numbers:
    input:
        code=package_code("../scripts/collect_numbers.py"),
        package=wf("workflow/selfcare/__init__.py"),
        fragments=NUMBER_FRAGMENTS,
        published="config/published.yaml",
    output:
        variables="results/manuscript/_variables.yml",
        manifest="results/provenance/numbers.json",
        table="results/provenance/numbers.csv",
    log:
        "results/logs/collect_numbers.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        formatting=config["formatting"],
        rule_scripts=lambda w: rule_scripts(),
        sites=SITES,
    script:
        "../scripts/collect_numbers.py"


rule tables:
    input:
        code=package_code("../scripts/tables.py"),
        table1="results/analysis/table1.csv",
        table1_check="results/analysis/table1_published_check.csv",
        flow="results/analysis/flow.csv",
        change="results/analysis/change.csv",
        service_use=expand("results/analysis/service_use_{site}.csv", site=SITES),
        ancova="results/analysis/ancova.csv",
        satisfaction="results/analysis/satisfaction.csv",
        engagement="results/analysis/engagement.csv",
        ancova_sensitivity="results/analysis/ancova_sensitivity.csv",
        engagement_sensitivity="results/analysis/engagement_sensitivity.csv",
        reliability=expand("results/scores/reliability_{tp}.csv", tp=TIMEPOINTS),
        counts="results/qualitative/code_counts.csv",
        quotes="results/qualitative/quotes.csv",
        response="results/survey/response.csv",
        binary="results/survey/binary_items.csv",
        likert="results/survey/likert_items.csv",
        manifest="results/provenance/numbers.json",
        figures="results/figures/figures.json",
        changes="results/report/number_changes.csv",
        sentences="results/report/changed_sentences.csv",
        accepted_tables=wf("manuscript/accepted-tables.json"),
        accepted_figures=wf("manuscript/accepted-figures.json"),
        captions=wf("manuscript/tables.yaml"),
        published="config/published.yaml",
        framework="config/framework.yaml",
        measures="config/measures.yaml",
    output:
        tables=in_report(
            directory("results/manuscript/tables"),
            "table.rst",
            "Tables",
            patterns=[f"{{name,{'|'.join(table_captions())}}}.md"],
        ),
        cells="results/report/changed_cells.csv",
        figures="results/report/changed_figures.csv",
        sources="results/report/tables.json",
    log:
        "results/logs/tables.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    params:
        formatting=config["formatting"],
        sites=config["sites"],
        table_captions=table_captions(),
        script=wf("workflow/scripts/tables.py"),
    script:
        "../scripts/tables.py"


rule render_manuscript:
    input:
        code=package_code("../scripts/render_manuscript.py"),
        project=wf("manuscript/_quarto.yml"),
        source=manuscript_sources(),
        variables="results/manuscript/_variables.yml",
        manifest="results/provenance/numbers.json",
        tables="results/manuscript/tables",
        tables_manifest="results/report/tables.json",
        figures=expand("results/figures/{name}.png", name=FIGURES),
        figures_manifest="results/figures/figures.json",
        snippets=expand("results/manuscript/figures/{name}.md", name=FIGURES),
        validation="results/validation/validation_report.json",
        style=wf("manuscript/_html/report.css"),
        script=wf("manuscript/_html/report.js"),
    output:
        html=in_report("results/report/index.html", "document.rst", "Report"),
        pdf=in_report("results/report/index.pdf", "document.rst", "Report"),
        info="results/report/render_info.json",
        provenance="results/report/provenance.html",
    log:
        "results/logs/render_manuscript.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        title=document_title(),
        source_date_epoch=source_date_epoch(),
        sites=SITES,
    script:
        "../scripts/render_manuscript.py"


rule trace_check:
    input:
        code=package_code("../scripts/trace_check.py"),
        qmd=wf("manuscript/index.qmd"),
        tables="results/manuscript/tables",
        snippets=expand("results/manuscript/figures/{name}.md", name=FIGURES),
        manifest="results/provenance/numbers.json",
        html="results/report/index.html",
        pdf="results/report/index.pdf",
        info="results/report/render_info.json",
    output:
        trace="results/report/trace.csv",
    log:
        "results/logs/trace_check.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../scripts/trace_check.py"


rule leak_check:
    input:
        code=package_code("../scripts/leak_check.py"),
        corrections=corrections_file(),
        registers=expand(
            "{raw}/{f}", raw=str(RAW), f=["participants.csv", "interviewees.csv"]
        ),
        # the de-identified tables: scanned like every output, so made first
        released=["results/deid/participants.csv", "results/deid/interviewees.csv"],
        bibliography=wf("manuscript/references.bib"),
        manuscript=wf("manuscript/index.qmd"),
        codebook=CODEBOOK,
        scanned=[
            "results/report/trace.csv",
            "results/report/index.html",
            "results/report/index.pdf",
            "results/report/provenance.html",
            "results/deid/deid_report.json",
            "results/validation/corrections_applied.csv",
            "results/deid/release/participants_release.csv",
            "results/qualitative/quotes.csv",
            "results/provenance/numbers.csv",
            "results/report/number_changes.csv",
            "results/report/changed_sentences.csv",
            "results/report/changed_cells.csv",
        ],
    output:
        report="results/checks/leak_check.json",
    log:
        "results/logs/leak_check.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2048,
    params:
        leak=leak_check_params(),
    script:
        "../scripts/leak_check.py"


rule number_changes:
    input:
        code=package_code("../scripts/number_changes.py"),
        manifest="results/provenance/numbers.json",
        accepted=wf("manuscript/accepted-numbers.json"),
        qmd=wf("manuscript/index.qmd"),
    output:
        changes="results/report/number_changes.csv",
        sentences="results/report/changed_sentences.csv",
    log:
        "results/logs/number_changes.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1024,
    script:
        "../scripts/number_changes.py"
