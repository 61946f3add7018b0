"""All figures at once, their Markdown snippets and provenance records."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report.figures.change import change_figure
from selfcare.report.figures.flow import flow_figure
from selfcare.report.figures.models import forest_figure
from selfcare.report.figures.scores import score_distributions
from selfcare.report.figures.services import ae_figure
from selfcare.report.figures.survey import survey_figure
from selfcare.report.figures.themes import theme_heatmap

__all__ = [
    "all_figures",
    "figure_snippet",
]

def all_figures(
    tables: Mapping[str, pd.DataFrame],
    framework: Mapping[str, Any] | None,
    measure_labels: Mapping[str, str] | None,
    analysis: Mapping[str, Any] | None,
    sites: Sequence[str] | None = None,
) -> dict[str, tuple[bytes, str]]:
    """Draw every figure of the report.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Keys ``flow``, ``change``, ``dataset`` (per-person analysis dataset,
        for the A&E figure), ``ancova``, ``satisfaction``, ``engagement``,
        ``counts`` (qualitative code counts), ``survey`` (binary survey items)
        and ``scores``. A missing key gives that figure's "No data" version.
    framework : mapping
        The coding framework (config/framework.yaml).
    measure_labels : mapping
        Label per measure (config/measures.yaml ``label``).
    analysis : mapping
        The ``analysis`` section of config/config.yaml; ``ancova.exposure``,
        ``satisfaction.predictor`` and ``engagement.predictors`` choose the
        terms of the forest plot.
    sites : sequence of str, optional
        The configured sites (config/config.yaml ``sites``): order and
        colours of the sites in every figure.

    Returns
    -------
    dict
        ``{name: (png, alt_text)}`` for every name of :data:`FIGURE_NAMES`.
    """
    cfg = analysis or {}

    def table(key: str) -> pd.DataFrame:
        value = tables.get(key)
        return value if isinstance(value, pd.DataFrame) else pd.DataFrame()

    def setting(section: str, key: str, default: Any) -> Any:
        part = cfg.get(section)
        return part.get(key, default) if isinstance(part, Mapping) else default

    return {
        "flow": flow_figure(table("flow"), sites),
        "change": change_figure(table("change"), sites=sites),
        "ae": ae_figure(table("dataset"), sites=sites),
        "forest": forest_figure(
            table("ancova"),
            table("satisfaction"),
            table("engagement"),
            exposure=setting("ancova", "exposure", "med_choice"),
            predictor=setting("satisfaction", "predictor", "severity_bl"),
            predictors=list(setting("engagement", "predictors", ["quality_of_life_bl", "collaboration_bl"])),
        ),
        "themes": theme_heatmap(table("counts"), framework),
        "survey": survey_figure(table("survey")),
        "scores": score_distributions(table("scores"), measure_labels, sites),
    }


def figure_snippet(name: str, caption: str | Mapping[str, Any], alt_text: str, folder: str = "figures") -> str:
    """Markdown that includes a figure with its caption, label and alt text.

    Parameters
    ----------
    name : str
        Figure name; the image is ``{folder}/{name}.png`` and the
        cross-reference label ``#fig-{name}`` (cite it as ``@fig-{name}``).
    caption : str or mapping
        The caption (Markdown), or a mapping with key ``caption`` and
        optionally ``width`` (e.g. ``"100%"``).
    alt_text : str
        Alternative text, written as the ``fig-alt`` attribute (quotes and
        backslashes escaped; line breaks folded to spaces).
    folder : str, default "figures"
        Folder of the PNG relative to the document.

    Returns
    -------
    str
        One Quarto/pandoc image paragraph, ending with a newline.
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"figure_snippet: invalid figure name {name!r}")
    width = None
    if isinstance(caption, Mapping):
        width = caption.get("width")
        caption = caption.get("caption", "")
    text = " ".join(str(caption).split())
    if not text:
        raise ValueError(f"figure_snippet: figure {name!r} has no caption")
    alt = " ".join(str(alt_text).split()).replace("\\", "\\\\").replace('"', '\\"')
    attrs = [f"#fig-{name}", f'fig-alt="{alt}"']
    if width:
        attrs.append(f'width="{width}"')
    return f"![{text}]({folder}/{name}.png){{{' '.join(attrs)}}}\n"


def figure_record(
    name: str, png_path: str, png_sha256: str, alt_text: str, rule: str, script: str, inputs: Mapping[str, str]
) -> dict[str, Any]:
    """Provenance of one figure: file and hash, alt text, rule, script and hashed inputs.

    Parameters
    ----------
    name : str
        Figure name.
    png_path, png_sha256 : str
        The PNG and its SHA-256.
    alt_text : str
        The figure's alt text.
    rule, script : str
        The rule that drew it and its script.
    inputs : mapping
        Input path -> SHA-256.
    """
    return {
        "name": name, "file": png_path, "sha256": png_sha256, "alt": alt_text, "rule": rule, "script": script,
        "inputs": [{"path": p, "sha256": h} for p, h in sorted(inputs.items())],
    }


def caption_of(entry: Any) -> str:
    """The caption of a ``manuscript/figures.yaml`` entry (a string or ``{caption, ...}``)."""
    return entry["caption"] if isinstance(entry, Mapping) else str(entry)
