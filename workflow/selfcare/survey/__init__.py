"""Stage ``survey`` (rule ``survey`` in ``workflow/rules/qualitative.smk``):
summaries of the national survey of Mental Health NHS Trusts
(:mod:`~selfcare.survey.summary`).
"""
