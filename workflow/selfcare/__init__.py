"""selfcare: a reproducible workflow for Gillard et al. (2010).

The package holds all logic of the workflow as pure, tested functions, one
subpackage per stage named like the rule files (``raw``, ``deidentify``,
``scoring``, ``analysis``, ``qualitative``, ``survey``, ``report``), a shared
core (:mod:`selfcare.core`: file I/O and the script runner), the REFI-QDA
format (:mod:`selfcare.refiqda`), and the simulator apart
(:mod:`selfcare.synth`). Only :mod:`selfcare.core.io` touches files.
"""

#: The one place the version is written (pyproject.toml reads it; CITATION.cff
#: and CHANGELOG.md are checked against it).
__version__ = "0.4.0"
