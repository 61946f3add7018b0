"""Stage ``deidentify`` (``workflow/rules/deidentify.smk``) and the ``leak_check``
rule: the only code that sees identifiers.

* :mod:`~selfcare.deidentify.pipeline`: the stage itself (allow-list, pseudonyms,
  generalisation, transcript and REFI-QDA scrubbing, k-anonymous release);
* :mod:`~selfcare.deidentify.keys`: keyed pseudonyms and where the key comes from;
* :mod:`~selfcare.deidentify.generalise`: ages, age bands, postcode districts,
  relative days, and k-anonymity;
* :mod:`~selfcare.deidentify.names`: matching register names in free text;
* :mod:`~selfcare.deidentify.scrub`: detectors and the transcript scrubber;
* :mod:`~selfcare.deidentify.leaks`: the leak index and the fail-closed scan of
  every output.

Privacy rules kept throughout: error messages name the broken thing (record
number, column, identifier type, configuration key) but never echo an
identifying value; objects that hold identifying material
(:class:`~selfcare.deidentify.names.NameMatcher`,
:class:`~selfcare.deidentify.leaks.LeakIndex`) print only their sizes.
"""
