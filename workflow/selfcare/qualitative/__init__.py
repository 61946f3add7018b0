"""Stage ``qualitative`` (rule ``qualitative`` in ``workflow/rules/qualitative.smk``):
framework analysis of the coded REFI-QDA project.

* :mod:`~selfcare.qualitative.segments`: the interview register and the coded
  segments, checked against the framework (with the data-problem policy);
* :mod:`~selfcare.qualitative.counts`: counts by theme and code, the framework
  matrix, co-occurrence and the stage's number records;
* :mod:`~selfcare.qualitative.quotes`: quotations from interviewees who consented.
"""
