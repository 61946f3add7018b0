"""Tests of selfcare.report.figures: PNG bytes, alt text, determinism, empty input."""

from __future__ import annotations

import io
import math
import struct
import zlib
from typing import Callable

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from selfcare.report.figures.build import all_figures, figure_snippet
from selfcare.report.figures.change import change_figure
from selfcare.report.figures.flow import flow_figure
from selfcare.report.figures.models import forest_figure
from selfcare.report.figures.scores import FIGURE_NAMES, score_distributions
from selfcare.report.figures.services import ae_figure
from selfcare.report.figures.style import (
    STYLE,
    _fmt,
    _fmt_p,
    apply_style,
    png_bytes,
    site_color,
    site_colors,
    style_context,
)
from selfcare.report.figures.survey import survey_figure
from selfcare.report.figures.themes import theme_heatmap

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SITES = ("LO", "SO", "NO")  # the configured sites of these tests
WIDTH_PX = round(STYLE["width"] * STYLE["dpi"])

FRAMEWORK = {
    "themes": {
        "services_supporting_self_care": {"label": "Services supporting self care", "codes": {"peer_support": "Peer"}},
        "self_care_and_risk": {"label": "Self care and risk", "codes": {"medication": "Medication"}},
    }
}


# --------------------------------------------------------------------------- inputs


def flow_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["NO", "LO", "SO"],  # not in reporting order on purpose
            "referred": [100, 120, 90],
            "ineligible": [20, 30, 10],
            "declined": [30, 30, 28],
            "recruited": [50, 60, 50],  # SO: 2 referrals not explained by the reasons
            "withdrawn": [2, 3, 1],
            "lost_to_followup": [8, 12, 9],
            "followed_up": [40, 45, 40],
        }
    )


def change_frame() -> pd.DataFrame:
    rows = []
    for site in ("LO", "SO", "NO"):
        for outcome in ("empowerment", "confidence", "quality_of_life", "collaboration", "severity"):
            rows.append(
                {
                    "site": site,
                    "outcome": outcome,
                    "n": 40,
                    "mean_change": 0.1,
                    "ci_low": -0.5,
                    "ci_high": 0.7,
                    "p_value": 0.6,
                }
            )
    df = pd.DataFrame(rows)
    # the only interval that excludes zero: empowerment at SO
    hit = (df["site"] == "SO") & (df["outcome"] == "empowerment")
    df.loc[hit, ["mean_change", "ci_low", "ci_high", "p_value"]] = [3.9, 1.2, 6.6, 0.004]
    return df


def ae_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["LO", "LO", "LO", "SO", "SO", "NO"],
            # LO third person not followed up: excluded, so LO pairs are (2, 1) and (4, 1)
            "ae_bl": [2, 4, 10, 1, 0, 3],
            "ae_fu": [1, 1, np.nan, 0, 0, 3],
        }
    )


def forest_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ancova = pd.DataFrame(
        {
            "outcome": ["empowerment", "empowerment", "confidence", "confidence"],
            "term": ["Intercept", "med_choice", "Intercept", "med_choice"],
            "estimate": [55.0, 2.5, 2.0, 0.31],
            "ci_low": [40.0, 0.4, 1.0, -0.05],
            "ci_high": [70.0, 4.6, 3.0, 0.67],
            "p_value": [0.001, 0.02, 0.001, 0.09],
        }
    )
    satisfaction = pd.DataFrame(
        {
            "term": ["Intercept", "severity_bl", "C(site)[T.NO]"],
            "estimate": [3.0, 0.01, 0.2],
            "ci_low": [2.5, -0.004, -0.1],
            "ci_high": [3.5, 0.024, 0.5],
            "p_value": [0.001, 0.17, 0.2],
        }
    )
    engagement = pd.DataFrame(
        {
            "term": ["Intercept", "quality_of_life_bl", "collaboration_bl"],
            "odds_ratio": [0.5, 1.6, 0.93],
            "or_ci_low": [0.1, 1.05, 0.81],
            "or_ci_high": [2.0, 2.45, 1.07],
            "p_value": [0.3, 0.03, 0.31],
        }
    )
    return ancova, satisfaction, engagement


def code_count_frame() -> pd.DataFrame:
    rows = []
    shares = {
        ("services_supporting_self_care", "service_user"): (9, 10),
        ("services_supporting_self_care", "carer"): (1, 4),
        ("services_supporting_self_care", "staff"): (3, 6),
        ("services_supporting_self_care", "manager"): (1, 2),
        ("self_care_and_risk", "service_user"): (2, 10),
        ("self_care_and_risk", "carer"): (1, 4),
        ("self_care_and_risk", "staff"): (0, 6),  # lowest
        ("self_care_and_risk", "manager"): (1, 2),
    }
    for (theme, group), (k, d) in shares.items():
        base = {"theme": theme, "group": group, "n_references": k, "n_interviews_in_group": d}
        rows.append({**base, "level": "theme", "code": "all", "site": "all", "n_sources": k, "share": k / d})
        # decoys that must be ignored: a site-level row and a code-level row at 100%
        rows.append({**base, "level": "theme", "code": "all", "site": "LO", "n_sources": d, "share": 1.0})
        rows.append({**base, "level": "code", "code": "x", "site": "all", "n_sources": d, "share": 1.0})
    return pd.DataFrame(rows)


def survey_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "column": ["q1", "q2", "q3", "q4"],
            "label": ["Has a self-care strategy", "Runs peer support", "Employs peer workers", "Unanswered item"],
            "n": [29, 29, 29, 0],
            "n_yes": [18, 25, 3, 0],
            "proportion": [18 / 29, 25 / 29, 3 / 29, np.nan],
            "ci_low": [0.44, 0.69, 0.036, np.nan],
            "ci_high": [0.77, 0.95, 0.26, np.nan],
        }
    )


def score_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for site in ("LO", "SO", "NO"):
        for tp, shift in (("baseline", 0.0), ("followup", 4.0)):
            for i in range(12):
                pid = f"{site}-{i:03d}"
                rows.append(
                    {
                        "pid": pid,
                        "site": site,
                        "timepoint": tp,
                        "measure": "empowerment",
                        "scale": "empowerment",
                        "score": 70 + shift + float(rng.normal(0, 5)),
                        "primary": True,
                    }
                )
                # a non-primary subscale that must not be drawn or described
                rows.append(
                    {
                        "pid": pid,
                        "site": site,
                        "timepoint": tp,
                        "measure": "collaboration",
                        "scale": "collaboration.non_supportive_input",
                        "score": 5.0,
                        "primary": False,
                    }
                )
        rows.append(
            {
                "pid": f"{site}-000",
                "site": site,
                "timepoint": "followup",
                "measure": "satisfaction",
                "scale": "satisfaction",
                "score": 3.1,
                "primary": True,
            }
        )
    return pd.DataFrame(rows)


#: Outcome names as the workflow passes them (formatting.outcome_names of config/measures.yaml).
MEASURE_LABELS = {
    "empowerment": "Empowerment",
    "satisfaction": "Satisfaction with the project",
    "collaboration": "Collaboration with staff",
}

CASES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "flow": lambda: flow_figure(flow_frame(), SITES),
    "change": lambda: change_figure(change_frame(), MEASURE_LABELS, sites=SITES),
    "ae": lambda: ae_figure(ae_frame(), sites=SITES),
    "forest": lambda: forest_figure(
        *forest_frames(),
        exposure="med_choice",
        predictor="severity_bl",
        predictors=["quality_of_life_bl", "collaboration_bl"],
        outcome_labels=MEASURE_LABELS,
    ),
    "themes": lambda: theme_heatmap(code_count_frame(), FRAMEWORK),
    "survey": lambda: survey_figure(survey_frame()),
    "scores": lambda: score_distributions(score_frame(), MEASURE_LABELS, sites=SITES),
}

EMPTY_CASES: dict[str, Callable[[pd.DataFrame], tuple[bytes, str]]] = {
    "flow": flow_figure,
    "change": change_figure,
    "ae": ae_figure,
    "forest": lambda e: forest_figure(e, e, e),
    "themes": lambda e: theme_heatmap(e, FRAMEWORK),
    "survey": survey_figure,
    "scores": lambda e: score_distributions(e, MEASURE_LABELS),
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[bytes, str]]:
    return {name: make() for name, make in CASES.items()}


# --------------------------------------------------------------------------- helpers


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, payload) chunks, checking every CRC."""
    assert data[:8] == PNG_MAGIC
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks.append((kind, payload))
        pos += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    kind, payload = png_chunks(data)[0]
    assert kind == b"IHDR"
    return struct.unpack(">II", payload[:8])


def pixels(data: bytes) -> np.ndarray:
    import matplotlib.image as mimg

    return (mimg.imread(io.BytesIO(data), format="png")[..., :3] * 255).round().astype(int)


def has_colour(data: bytes, hex_colour: str, min_pixels: int = 20) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    close = (np.abs(pixels(data) - rgb) <= 2).all(axis=-1)
    return int(close.sum()) >= min_pixels


# --------------------------------------------------------------------------- every figure


@pytest.mark.parametrize("name", list(CASES))
def test_png_and_alt_text(rendered: dict[str, tuple[bytes, str]], name: str) -> None:
    png, alt = rendered[name]
    assert png.startswith(b"\x89PNG")
    width, height = png_size(png)
    assert width == WIDTH_PX  # fixed width (6.5 in at 150 dpi)
    assert 150 <= height <= 12 * STYLE["dpi"]
    assert isinstance(alt, str) and 40 < len(alt) < 900
    assert alt.endswith(".") and "nan" not in alt.lower()


@pytest.mark.parametrize("name", list(CASES))
def test_png_carries_no_software_or_time(rendered: dict[str, tuple[bytes, str]], name: str) -> None:
    kinds = [k for k, _ in png_chunks(rendered[name][0])]
    assert b"tIME" not in kinds
    text = b"".join(p for k, p in png_chunks(rendered[name][0]) if k in (b"tEXt", b"iTXt", b"zTXt"))
    assert b"Software" not in text and b"matplotlib" not in text.lower()


@pytest.mark.parametrize("name", list(CASES))
def test_byte_identical_twice_and_independent_of_global_rcparams(
    rendered: dict[str, tuple[bytes, str]], name: str
) -> None:
    # settings the house style sets, and settings it leaves at matplotlib's defaults
    leaky = {
        "font.size": 15,
        "axes.facecolor": "black",
        "lines.linewidth": 4,
        "figure.dpi": 50,
        "axes.titlecolor": "red",
        "xtick.labelcolor": "red",
        "ytick.labelcolor": "red",
        "hatch.color": "red",
    }
    with mpl.rc_context(leaky):
        again = CASES[name]()
    assert again[0] == rendered[name][0]
    assert again[1] == rendered[name][1]


@pytest.mark.parametrize("name", list(EMPTY_CASES))
def test_empty_input_gives_a_no_data_figure(name: str) -> None:
    png, alt = EMPTY_CASES[name](pd.DataFrame())
    assert png.startswith(PNG_MAGIC)
    assert png_size(png)[0] == WIDTH_PX
    assert "no data" in alt.lower()


def test_csv_strings_give_the_same_figure_as_typed_input(rendered: dict[str, tuple[bytes, str]]) -> None:
    # the workflow reads its tables back from CSV: numbers may arrive as text
    as_text = pd.read_csv(io.StringIO(change_frame().to_csv(index=False)), dtype=str)
    assert change_figure(as_text, MEASURE_LABELS) == rendered["change"]
    scores = score_frame()
    scores["primary"] = scores["primary"].map({True: "True", False: "False"})
    scores["score"] = scores["score"].map(repr)
    assert score_distributions(scores, MEASURE_LABELS) == rendered["scores"]


def test_figures_depend_on_the_data(rendered: dict[str, tuple[bytes, str]]) -> None:
    other = change_frame()
    other.loc[other["outcome"] == "severity", ["mean_change", "ci_low", "ci_high"]] = [-2.0, -3.0, -1.0]
    png, alt = change_figure(other)
    assert png != rendered["change"][0]
    assert "clinical severity at LO (-2.00)" in alt


def test_rows_without_required_columns_raise() -> None:
    with pytest.raises(ValueError, match="ci_high"):
        change_figure(change_frame().drop(columns="ci_high"))
    with pytest.raises(ValueError, match="ae_fu"):
        ae_figure(ae_frame().drop(columns="ae_fu"))


# --------------------------------------------------------------------------- style


def test_site_colours_follow_the_configured_order_for_any_number_of_sites() -> None:
    assert site_color("LO", SITES) == "#0072B2"
    assert site_color("SO", SITES) == "#E69F00"
    assert site_color("NO", SITES) == "#009E73"
    assert site_color("XX", SITES) not in {site_color(s, SITES) for s in SITES}
    many = [f"S{i}" for i in range(17)]
    assert len(set(site_colors(many).values())) == 17  # Okabe-Ito, then petroff10
    assert list(site_colors(["B", "A"]).values())[:2] == ["#0072B2", "#E69F00"]  # position, not name
    assert STYLE["dpi"] == 150 and STYLE["width"] == 6.5


def test_apply_style_sets_and_style_context_restores() -> None:
    with mpl.rc_context():
        apply_style()
        assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert mpl.rcParams["axes.grid"] is True
    before = mpl.rcParams["font.size"]
    with style_context():
        assert mpl.rcParams["font.size"] == STYLE["font_size"]
    assert mpl.rcParams["font.size"] == before


def test_png_bytes_closes_pyplot_figure() -> None:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1))
    number = fig.number
    data = png_bytes(fig)
    assert data.startswith(PNG_MAGIC)
    assert not plt.fignum_exists(number)
    assert png_size(data) == (2 * STYLE["dpi"], STYLE["dpi"])


# --------------------------------------------------------------------------- per figure


def test_flow_alt_text_totals_and_sites(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["flow"][1]
    assert "three sites (LO, SO, NO)" in alt  # reporting order, not row order
    assert "310 referred, 160 recruited and 125 followed up" in alt
    assert "LO 60 and 45, SO 50 and 40, NO 50 and 40" in alt
    assert all(has_colour(rendered["flow"][0], site_color(s, SITES)) for s in SITES)


def test_flow_with_missing_counts_does_not_invent_totals() -> None:
    flow = flow_frame().astype(object)
    flow.loc[0, "followed_up"] = np.nan
    png, alt = flow_figure(flow)
    assert png.startswith(PNG_MAGIC)
    assert "followed up not reported" in alt
    assert "NO 50 and not reported" in alt


def test_change_alt_names_only_intervals_excluding_zero(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["change"][1]
    assert alt.startswith("Mean change from baseline to follow-up with 95% confidence intervals for five outcomes")
    assert "(LO, SO, NO)" in alt
    assert "1 of 15 intervals exclude zero: empowerment at SO (+3.90)" in alt
    assert "confidence at" not in alt


def test_change_draws_site_colours_only_for_sites_present() -> None:
    only_so = change_frame().query("site == 'SO'")
    png, alt = change_figure(only_so, sites=SITES)
    assert has_colour(png, site_color("SO", SITES))  # its configured colour, though alone
    assert not has_colour(png, site_color("LO", SITES))
    assert "one site (SO)" in alt


def test_ae_uses_complete_pairs_only(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["ae"][1]
    # LO: pairs (2, 1) and (4, 1): mean 3.00 to 1.00, totals 6 and 2; the unpaired 10 is left out
    assert "LO 3.00 to 1.00 (n = 2; totals 6 and 2)" in alt
    assert "SO 0.50 to 0.00 (n = 2; totals 1 and 0)" in alt
    assert "NO 3.00 to 3.00 (n = 1; totals 3 and 3)" in alt


def test_ae_site_without_pairs() -> None:
    data = pd.DataFrame({"site": ["LO", "SO"], "ae_bl": [1, 2], "ae_fu": [np.nan, 1]})
    png, alt = ae_figure(data)
    assert png.startswith(PNG_MAGIC)
    assert "LO no complete pairs" in alt and "SO 2.00 to 1.00 (n = 1" in alt


def test_forest_shows_only_requested_terms(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["forest"][1]
    assert "empowerment (B 2.50, 95% CI 0.40 to 4.60)" in alt
    assert "mental health confidence (B 0.31, 95% CI -0.05 to 0.67)" in alt
    assert "satisfaction with the project (B 0.01" in alt
    assert "baseline quality of life (OR 1.60, 95% CI 1.05 to 2.45)" in alt
    assert "baseline collaboration with staff (OR 0.93" in alt
    assert "55.0" not in alt and "0.50" not in alt  # intercepts are not shown


def test_forest_with_one_model_missing() -> None:
    ancova, _, engagement = forest_frames()
    png, alt = forest_figure(ancova, pd.DataFrame(), engagement)
    assert png.startswith(PNG_MAGIC)
    assert "satisfaction" not in alt and "empowerment" in alt and "OR 1.60" in alt


def test_forest_with_odds_ratio_not_estimated() -> None:
    ancova, satisfaction, engagement = forest_frames()
    engagement.loc[1, ["odds_ratio", "or_ci_low", "or_ci_high"]] = [np.nan, np.nan, np.nan]
    png, alt = forest_figure(ancova, satisfaction, engagement)
    assert png.startswith(PNG_MAGIC)
    assert "baseline quality of life (not estimated)" in alt


def test_theme_heatmap_uses_theme_level_all_sites(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["themes"][1]
    assert "2 themes by service users, carers, staff and managers" in alt
    # decoy rows (site LO, code level) are at 100%: they must not be the maximum
    assert "Highest: Services supporting self care among service users (90%)" in alt
    assert "lowest: Self care and risk among staff (0%)" in alt


def test_theme_heatmap_handles_missing_shares() -> None:
    counts = code_count_frame()
    counts["share"] = np.nan
    png, alt = theme_heatmap(counts, FRAMEWORK)
    assert png.startswith(PNG_MAGIC)
    assert "Highest" not in alt and "2 themes" in alt


def test_survey_sorted_and_described(rendered: dict[str, tuple[bytes, str]]) -> None:
    alt = rendered["survey"][1]
    assert "for 4 items" in alt
    assert "Highest: Runs peer support (86%, 25 of 29); lowest: Employs peer workers (10%, 3 of 29)." in alt


def test_survey_sort_order_does_not_depend_on_row_order(rendered: dict[str, tuple[bytes, str]]) -> None:
    shuffled = survey_frame().iloc[[3, 1, 0, 2]].reset_index(drop=True)
    assert survey_figure(shuffled)[0] == rendered["survey"][0]


def test_scores_primary_only(rendered: dict[str, tuple[bytes, str]]) -> None:
    png, alt = rendered["scores"]
    assert "two measures at three sites (LO, SO, NO)" in alt
    assert "Collaboration with staff" not in alt  # the non-primary subscale is not drawn
    assert "Satisfaction with the project 3.10 (follow-up only)" in alt
    assert all(has_colour(png, site_color(s, SITES)) for s in SITES)


def test_scores_without_primary_rows() -> None:
    scores = score_frame()
    scores["primary"] = "False"
    png, alt = score_distributions(scores, MEASURE_LABELS)
    assert png.startswith(PNG_MAGIC) and "no data" in alt.lower()


@pytest.mark.parametrize(
    "make",
    [
        lambda: change_figure(change_frame().assign(mean_change=np.nan, ci_low=np.nan, ci_high=np.nan)),
        lambda: ae_figure(ae_frame().assign(ae_fu=np.nan)),
        lambda: survey_figure(survey_frame().assign(proportion=np.nan, ci_low=np.nan, ci_high=np.nan)),
        lambda: flow_figure(flow_frame().assign(referred=np.nan, recruited=np.nan)),
    ],
    ids=["change", "ae", "survey", "flow"],
)
def test_all_missing_values_do_not_crash(make: Callable[[], tuple[bytes, str]]) -> None:
    png, alt = make()
    assert png.startswith(PNG_MAGIC)
    assert alt and "nan" not in alt.lower()


def test_number_formatting_helpers() -> None:
    assert _fmt(-0.004) == "0.00"  # no negative zero
    assert _fmt(-1.234) == "-1.23"  # the project's one minus sign (formatting.DEFAULT_FORMAT)
    assert _fmt(12.34, signed=True) == "+12.3"
    assert _fmt(math.nan) == "\u2013"
    assert _fmt_p(0.0004) == "p < 0.001"
    assert _fmt_p(0.0049) == "p = 0.005"
    assert _fmt_p(0.25) == "p = 0.250"  # project p style: three decimals


# --------------------------------------------------------------------------- integration


def test_all_figures_wires_tables_and_config(rendered: dict[str, tuple[bytes, str]]) -> None:
    ancova, satisfaction, engagement = forest_frames()
    tables = {
        "flow": flow_frame(),
        "change": change_frame(),
        "dataset": ae_frame(),
        "ancova": ancova,
        "satisfaction": satisfaction,
        "engagement": engagement,
        "counts": code_count_frame(),
        "survey": survey_frame(),
        "scores": score_frame(),
    }
    analysis = {
        "ancova": {"exposure": "med_choice"},
        "satisfaction": {"predictor": "severity_bl"},
        "engagement": {"predictors": ["quality_of_life_bl", "collaboration_bl"]},
    }
    made = all_figures(tables, FRAMEWORK, MEASURE_LABELS, analysis, sites=SITES)
    assert list(made) == list(FIGURE_NAMES) == list(CASES)
    for name in CASES:
        assert made[name] == rendered[name], name


def test_all_figures_forest_terms_follow_config_and_missing_tables_give_no_data() -> None:
    ancova, satisfaction, engagement = forest_frames()
    made = all_figures(
        {"ancova": ancova, "satisfaction": satisfaction, "engagement": engagement},
        FRAMEWORK,
        MEASURE_LABELS,
        {"engagement": {"predictors": ["collaboration_bl"]}},
    )
    assert "baseline collaboration with staff (OR 0.93" in made["forest"][1]
    assert "quality of life" not in made["forest"][1]
    assert "no data" in made["flow"][1].lower() and "no data" in made["scores"][1].lower()


def test_figure_snippet_markdown() -> None:
    snippet = figure_snippet("scores", "Scores by\n  site.", 'Box plots; "primary" scores\\n')
    assert snippet == (
        '![Scores by site.](figures/scores.png){#fig-scores fig-alt="Box plots; \\"primary\\" scores\\\\n"}\n'
    )
    wide = figure_snippet("flow", {"caption": "Participant flow.", "width": "100%"}, "Flow.")
    assert wide == '![Participant flow.](figures/flow.png){#fig-flow fig-alt="Flow." width="100%"}\n'
    with pytest.raises(ValueError, match="caption"):
        figure_snippet("flow", "  ", "x")
    with pytest.raises(ValueError, match="name"):
        figure_snippet("../flow", "Caption", "x")


def test_figure_snippet_alt_text_survives_pandoc() -> None:
    pypandoc = pytest.importorskip("pypandoc")
    import json

    alt = 'Label with "quotes", a back\\slash and \u22120.05'
    ast = json.loads(pypandoc.convert_text(figure_snippet("survey", "Survey.", alt), "json", format="markdown"))
    figure = ast["blocks"][0]
    assert figure["t"] == "Figure" and figure["c"][0][0] == "fig-survey"
    image = figure["c"][2][0]["c"][0]
    assert image["t"] == "Image"
    assert dict(image["c"][0][2])["fig-alt"] == alt
    assert image["c"][2][0] == "figures/survey.png"


def test_forest_labels_follow_the_precision_rule():
    # an interval 0.01 wide is shown with three decimals, never "0.01 (0.00 to 0.01)"
    from selfcare.report.figures.style import _ci_text

    assert _ci_text(0.0068, -0.0007, 0.0143) == ("0.007", "-0.001", "0.014")  # the same minus as the text
    assert _ci_text(3.91, 0.8, 7.0) == ("3.91", "0.80", "7.00")
    assert _ci_text(12.3, 4.0, 20.0) == ("12.3", "4.0", "20.0")


def test_flow_layout_scales_with_the_number_of_sites() -> None:
    import io as _io

    from PIL import Image
    from selfcare.report.figures.flow import _flow_grid

    assert [_flow_grid(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (2, 3), (3, 3)]
    names = ["LO", "SO", "NO", "WE", "EA", "MI"]
    heights = {}
    for n in (2, 3, 4, 6):
        sites = names[:n]
        frame = pd.DataFrame({"site": sites, "referred": [100] * n, "ineligible": [10] * n, "declined": [20] * n,
                              "recruited": [70] * n, "withdrawn": [5] * n, "lost_to_followup": [12] * n,
                              "followed_up": [53] * n})
        png, alt = flow_figure(frame, sites)
        heights[n] = Image.open(_io.BytesIO(png)).size[1]
        assert all(s in alt for s in sites)
    assert heights[2] == heights[3] and heights[4] == heights[6] and heights[4] > 1.9 * heights[3]
