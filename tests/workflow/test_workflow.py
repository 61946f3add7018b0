"""End-to-end: the whole workflow on a copy of the repository.

One full run (as the README's first command does), then what researchers,
auditors and editors rely on:

* a second clean run gives byte-identical outputs (figures and PDF included);
* a rerun with nothing changed does nothing;
* changing one model's covariates reruns only that model and what depends on
  it; changing a scoring rule in config/measures.yaml reruns the scoring;
* every executive-summary number is in the trace table, and the leak check
  passed;
* the HTML report, opened in headless Chromium at 1280 px, shows its contents
  beside the text, clips no table, draws figures at the column's width, and a
  click on an executive-summary number opens its provenance card
  (screenshots in tests/artifacts/).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from browser import ARTIFACTS, LAYOUT_JS, chromium_driver

pytestmark = pytest.mark.slow  # whole-workflow runs / many replicates: not in the fast run

ROOT = Path(__file__).resolve().parents[2]


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "logs" not in p.parts:
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _planned_rules(workdir: Path) -> set[str]:
    """Rules a dry run would execute (from Snakemake's job-stats table)."""
    res = _snakemake(workdir, "-n")
    assert res.returncode == 0, res.stderr[-3000:]
    text = res.stdout + res.stderr
    if "Nothing to be done" in text:
        return set()
    stats = text.split("Job stats:", 1)[1]
    rules = set()
    for line in stats.splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if not m:
            if rules:
                break
            continue
        if m.group(1) != "total":
            rules.add(m.group(1))
    return rules


def _planned_after_config_change(workdir: Path, path: tuple[str, ...], value) -> set[str]:
    """Rules a dry run would execute with config/config.yaml's ``path`` set to ``value`` (restored after)."""
    cfg_path = workdir / "config/config.yaml"
    original = cfg_path.read_text()
    cfg = yaml.safe_load(original)
    node = cfg
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    try:
        return _planned_rules(workdir)
    finally:
        cfg_path.write_text(original)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, shipped_run, copy_of_run):
    """The project after its first full run (the shared run of conftest.py, copied)."""
    return copy_of_run(shipped_run, tmp_path_factory.mktemp("wf"))


def test_full_run_produces_report_trace_and_passes_the_leak_check(workdir):
    for rel in ("results/report/index.html", "results/report/index.pdf", "results/report/trace.csv"):
        assert (workdir / rel).stat().st_size > 0, rel
    assert (workdir / "results/report/index.pdf").read_bytes().startswith(b"%PDF")
    leak = yaml.safe_load((workdir / "results/checks/leak_check.json").read_text())
    assert leak["status"] == "passed" and leak["hits"] == [] and leak["files_scanned"] > 100
    trace = pd.read_csv(workdir / "results/report/trace.csv")
    qmd = (workdir / "manuscript/index.qmd").read_text()
    summary = qmd.split("# Executive summary", 1)[1].split("\n# ", 1)[0]
    keys = set(re.findall(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}", summary))
    assert keys, "the executive summary quotes registry numbers"
    assert keys == set(trace["key"]), "every executive-summary number is in the trace table"
    assert trace["rule"].notna().all() and trace["output"].notna().all()


def test_rerun_with_nothing_changed_does_nothing(workdir):
    assert _planned_rules(workdir) == set()


def test_html_report_in_a_browser_at_1280_px(workdir):
    # Runs on the first, unchanged run (before the tests below edit the copy).
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = workdir / "results/report"
    html = (report / "index.html").read_text(encoding="utf-8")
    assert "\u200b" not in html and "&#8203;" not in html, "no zero-width characters in copyable text"
    driver = chromium_driver()
    try:
        driver.get((report / "index.html").as_uri())
        layout = driver.execute_script(LAYOUT_JS)
        driver.save_screenshot(str(ARTIFACTS / "report-top-1280.png"))
        assert layout["innerWidth"] == 1280
        assert layout["docScrollWidth"] <= layout["innerWidth"], "the page itself never scrolls sideways"
        assert layout["tocVisible"] and layout["toc"][1] <= layout["main"][0], "contents beside the text"
        assert 600 <= layout["main"][2] <= 900, f"readable measure, not pandoc's 576 px column: {layout['main']}"
        assert "SYNTHETIC" in layout["banner"]
        assert len(layout["tables"]) >= 10
        for t in layout["tables"]:
            assert t["wrapped"] and t["right"] <= layout["main"][1] + 1, t
            assert t["scrollWidth"] <= t["clientWidth"] or t["overflowX"] in ("auto", "scroll"), f"clipped: {t}"
            assert t["caption"] and not t["captionClipped"] and t["captionRight"] <= layout["main"][1] + 1, t
        assert len(layout["figures"]) == 7
        assert min(layout["figures"]) >= 0.95 * layout["mainContent"], layout["figures"]

        number = driver.find_element(By.CSS_SELECTOR, "#sec-summary a.num")
        key = number.get_attribute("data-key")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", number)
        number.click()
        card = driver.find_element(By.CSS_SELECTOR, ".prov-card")
        assert card.is_displayed()
        text = card.text
        assert key in text and "Output sha256" in text and "Rule" in text and "Full value" in text
        box, spot = card.rect, number.rect
        assert abs(box["y"] - (spot["y"] + spot["height"])) < 40, "the card opens in place, under the number"
        driver.save_screenshot(str(ARTIFACTS / "report-card-1280.png"))
        full = card.find_element(By.CSS_SELECTOR, "a.full").get_attribute("href")
        assert full.endswith("provenance.html#prov-" + key.replace(".", "-"))

        driver.get(full)
        row = driver.find_element(By.ID, "prov-" + key.replace(".", "-"))
        assert row.is_displayed() and key in row.text
        driver.save_screenshot(str(ARTIFACTS / "provenance-record-1280.png"))
        total = len(driver.find_elements(By.CSS_SELECTOR, "tr[data-search]"))
        driver.find_element(By.ID, "prov-filter").send_keys(key)
        shown = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-search]") if r.is_displayed()]
        assert row in shown and 0 < len(shown) < total, (len(shown), total)
        assert driver.find_element(By.ID, "prov-count").text.startswith(f"{len(shown)} of {total}")
        driver.save_screenshot(str(ARTIFACTS / "provenance-filter-1280.png"))
    finally:
        driver.quit()


def test_clean_rerun_under_a_cluster_executor_is_byte_identical(workdir, tmp_path):
    # The second clean run goes through Snakemake's cluster-generic executor
    # (workflow/profiles/local-cluster: every job submitted as its own
    # process): the same bytes from a cluster as from the local run, and from
    # one clean run to the next.
    first = _hashes(workdir / "results")
    shutil.copytree(workdir / "results", tmp_path / "first")
    shutil.rmtree(workdir / "results")
    res = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "workflow/profiles/local-cluster"],
        cwd=workdir, capture_output=True, text=True, timeout=900,
    )
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    submitted = (workdir / ".snakemake/local-cluster-submitted.txt").read_text().splitlines()
    assert len(submitted) >= 30, "the jobs went through the cluster's submit command"
    second = _hashes(workdir / "results")
    assert set(first) == set(second)
    differ = sorted(k for k in first if first[k] != second[k])
    assert differ == [], f"outputs differ between the local and the cluster run: {differ[:10]}"


def test_covariate_change_reruns_only_the_affected_model(workdir):
    planned = _planned_after_config_change(workdir, ("analysis", "engagement", "covariates"), ["site"])
    assert "engagement_model" in planned
    untouched = {"validate_raw", "deidentify", "score_measures", "analysis_dataset", "ancova",
                 "satisfaction_model", "change_by_site", "service_use_by_site", "baseline_table",
                 "participant_flow", "qualitative", "survey"}
    assert not planned & untouched, f"unaffected analyses would rerun: {sorted(planned & untouched)}"


def test_leak_check_settings_rerun_only_the_leak_check(workdir):
    # the leak check's settings are not de-identification's params (issue 16)
    planned = _planned_after_config_change(workdir, ("deidentify", "leak_ignore_words"), ["Hope"])
    assert planned - {"all"} == {"leak_check"}


def test_evaluation_minimums_rerun_only_the_evaluation(workdir):
    # the scrubber's minimums are not de-identification's params either
    planned = _planned_after_config_change(workdir, ("deidentify", "evaluation", "min_precision", "NAME"), 0.9)
    assert planned - {"all"} == {"deid_evaluation"}


def test_scoring_rule_change_reruns_scoring(workdir):
    path = workdir / "config/measures.yaml"
    original = path.read_text()
    path.write_text(original.replace("reverse: [es_04, es_07,", "reverse: [es_07,"))
    try:
        planned = _planned_rules(workdir)
    finally:
        path.write_text(original)
    assert {"score_measures", "reliability"} <= planned


def test_shipped_qualitative_counts_and_quotes(workdir):
    framework = yaml.safe_load((workdir / "config/framework.yaml").read_text())
    counts = pd.read_csv(workdir / "results/qualitative/code_counts.csv")
    themes = counts[(counts["level"] == "theme") & (counts["site"] == "all")]
    for theme in framework["themes"]:
        groups = set(themes.loc[themes["theme"] == theme, "group"])
        assert {"service_user", "carer", "staff", "manager"} <= groups, theme
    assert themes["n_sources"].sum() > 0
    quotes = pd.read_csv(workdir / "results/qualitative/quotes.csv")
    assert len(quotes) > 0
    consent = pd.concat(
        [pd.read_csv(workdir / f"results/deid/{t}.csv")[["pid", "consent_quotes"]] for t in ("participants", "interviewees")]
    ).set_index("pid")["consent_quotes"]
    assert (consent.loc[quotes["pid"]] == "yes").all(), "a quote comes from someone without consent to quotation"


def test_package_module_change_reruns_only_its_users(workdir):
    path = workdir / "workflow/selfcare/report/figures/flow.py"
    original = path.read_text()
    path.write_text(original + "\n# a comment that changes the file's checksum\n")
    try:
        planned = _planned_rules(workdir)
    finally:
        path.write_text(original)
    assert "figures" in planned
    assert not planned & {"deidentify", "score_measures", "ancova", "change_by_site", "qualitative"}, sorted(planned)


def test_estimator_module_change_reruns_its_analyses_only(workdir):
    path = workdir / "workflow/selfcare/analysis/change.py"
    original = path.read_text()
    path.write_text(original + "\n# a comment that changes the file's checksum\n")
    try:
        planned = _planned_rules(workdir)
    finally:
        path.write_text(original)
    assert {"change_by_site", "service_use_by_site"} <= planned
    assert not planned & {"validate_raw", "deidentify", "score_measures", "analysis_dataset", "qualitative"}, sorted(planned)


def test_snakemake_report_shows_every_figure_and_main_table_with_its_manuscript_caption(workdir, tmp_path):
    res = _snakemake(workdir, "--report", str(tmp_path / "report.zip"))
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    with zipfile.ZipFile(tmp_path / "report.zip") as zf:
        html = zf.read("report/report.html").decode("utf-8")
        names = zf.namelist()
    captions = yaml.safe_load((workdir / "manuscript/figures.yaml").read_text())
    for name, entry in captions.items():
        first_words = " ".join(entry["caption"].split()[:8])
        assert first_words in html, f"caption of figure {name} missing from the Snakemake report"
        assert any(n.endswith(f"/{name}.png") for n in names), f"figure {name} missing from the report"
    assert any(n.endswith("/index.pdf") for n in names) and any(n.endswith("/index.html") for n in names)
    tables = yaml.safe_load((workdir / "manuscript/tables.yaml").read_text())
    # the change list's own tables are written into tables/changes.md, not as files of their own
    parts_of_changes = {"changed_sentences", "changed_cells", "changed_figures"}
    for name, entry in tables.items():
        if name in parts_of_changes:
            continue
        first_words = " ".join(entry["caption"].split()[:8])
        assert first_words in html, f"caption of table {name} missing from the Snakemake report"
        assert any(n.endswith(f"/{name}.md") for n in names), f"table {name} missing from the report"
    # the report's own tables carry the same captions (written once, in the manuscript), with their
    # {registry.key} placeholders (the model specification, the confidence level) filled from the registry
    from selfcare.report.tables.build import fill_caption

    records = {m["key"]: m for m in json.loads((workdir / "results/provenance/numbers.json").read_text())}
    for name, entry in tables.items():
        md = (workdir / f"results/manuscript/tables/{'changes' if name in parts_of_changes else name}.md").read_text()
        assert fill_caption(name, " ".join(entry["caption"].split()), records) in md
