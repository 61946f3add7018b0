"""Stage ``score`` (``workflow/rules/score.smk``): scoring of the standard
measures and their internal consistency.

* :mod:`~selfcare.scoring.measures`: the scoring rules of ``config/measures.yaml``,
  checked, and the scales they define;
* :mod:`~selfcare.scoring.score`: scores per time point and site (rule ``score_measures``);
* :mod:`~selfcare.scoring.reliability`: Cronbach's alpha and item-total
  correlations (rule ``reliability``).
"""
