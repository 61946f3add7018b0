"""The fast import tracing (common.smk's rule inputs) agrees with parsing whole modules."""

from pathlib import Path

import pytest

from selfcare.core import imports
from selfcare.core.io import read_package_sources

ROOT = Path(__file__).resolve().parents[2]


def _sources():
    mods = read_package_sources(ROOT / "workflow" / "selfcare")
    scripts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "workflow" / "scripts").glob("*.py")}
    return {**mods, **scripts}


@pytest.mark.parametrize("name", sorted(_sources()))
def test_fast_tracing_equals_full_parse_on_every_module_and_script(name):
    src = _sources()[name]
    assert imports._imports(src) == imports._imports_ast(src)
    assert imports._is_trivial(src) == imports._is_trivial_ast(src)


@pytest.mark.parametrize(
    "src",
    [
        "from selfcare.core import (\n    io,  # files (a comment)\n    runner,\n)\n",
        "import os, selfcare.analysis.models as m\n",
        "from selfcare.report \\\n    import formatting\n",
        "def f():\n    from selfcare.analysis.dataset import build_dataset; import selfcare.survey\n",
        "x = 1; from selfcare.core import io\n",
        "if True: import selfcare.raw.validate\n",
        '"""Doc.\n\nfrom selfcare.synth import nothing\n"""\nimport json\n',
        "from selfcarex import y\nimport selfcare_other\n",
    ],
)
def test_fast_tracing_equals_full_parse_on_awkward_forms(src):
    assert imports._imports(src) == imports._imports_ast(src)


@pytest.mark.parametrize(
    "src, trivial",
    [
        ('"""Doc."""\n__version__ = "1"\n', True),
        ('"""Doc.\n\nfrom the raw data\nimport of data\n"""\n', True),
        ('"""Doc."""\nimport os\n', False),
        ("x = 1\n", False),
        ("def f():\n    pass\n", False),
    ],
)
def test_trivial_modules(src, trivial):
    assert imports._is_trivial(src) is trivial
    assert imports._is_trivial_ast(src) is trivial
