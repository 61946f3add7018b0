"""Stage ``analysis`` (``workflow/rules/analysis.smk``): the quantitative analyses.

* :mod:`~selfcare.analysis.dataset`: the participant-level analysis dataset;
* :mod:`~selfcare.analysis.steps`: one function per analysis rule, returning a
  tidy table and the rule's number records;
* the estimators, pure functions over data frames:
  :mod:`~selfcare.analysis.groups` (tests between sites),
  :mod:`~selfcare.analysis.baseline` (Table 1),
  :mod:`~selfcare.analysis.published` (Table 1 against the published statistics),
  :mod:`~selfcare.analysis.change` (within-person change and service use),
  :mod:`~selfcare.analysis.models` (ANCOVA, OLS, logistic regression);
* :mod:`~selfcare.analysis.checks`: argument checks shared by the estimators.
"""
