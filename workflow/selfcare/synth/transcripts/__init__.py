"""Synthetic qualitative interview transcripts and their coding.

The real study's interview transcripts are confidential, so the simulator
builds stand-ins from a phrase bank (``config/transcripts.yaml``, read by the
caller and passed in as a dict). A transcript is a sequence of interviewer and
respondent turns: procedural turns (greeting, consent, closing), exchanges
that mention identifiers (so that de-identification has work to do), a
site-specific exchange about the self-care initiative, and topic exchanges
whose answer passages are coded against the qualitative framework
(``config/framework.yaml``). The coding is returned as character spans into
the transcript text, which is what a REFI-QDA export needs.

Everything here is pure: the randomness comes from the
:class:`numpy.random.Generator` passed in, so the same generator state gives
the same transcript and coding.
"""
