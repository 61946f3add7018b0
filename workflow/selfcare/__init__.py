"""selfcare: a reproducible workflow for Gillard et al. (2010).

The package holds all logic of the workflow as pure, tested functions; only
:mod:`selfcare.io` touches files.
"""

__version__ = "0.1.0"
