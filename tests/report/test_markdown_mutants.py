"""Quarto shortcodes: var keys, substitution, includes and the shortcode list,
with the exact messages that point an author to the line (issue 18)."""

from __future__ import annotations

import pytest
from selfcare.report.markdown import (
    IncludeError,
    UnknownKeyError,
    _include_target,
    _line_of,
    check_var_keys,
    expand_includes,
    find_shortcodes,
    substitute_vars,
)


def reader(files):
    def read(path):
        if path not in files:
            raise FileNotFoundError(f"no such file: {path}")
        return files[path]

    return read


def include_error(text, files, **kw) -> str:
    with pytest.raises(IncludeError) as e:
        expand_includes(text, reader(files), **kw)
    return str(e.value)


def test_line_numbers_count_a_leading_newline():
    assert _line_of("\nx", 1) == 2
    assert _line_of("a\nb\nc", 4, first_line_no=10) == 12
    assert _line_of("abc", 0) == 1


def test_unknown_keys_message_lists_every_key_with_its_line():
    with pytest.raises(UnknownKeyError) as e:
        check_var_keys("{{< var a >}}\nx {{< var b.c >}} {{< var ok >}}", {"ok"}, "index.qmd")
    assert str(e.value) == (
        "2 var shortcode(s) name keys missing from the number registry:\n"
        "  index.qmd:1: unknown number key 'a'\n"
        "  index.qmd:2: unknown number key 'b.c'"
    )


def test_substitute_vars_names_the_manuscript_by_default_and_keeps_escaped_shortcodes():
    with pytest.raises(UnknownKeyError, match=r"  manuscript:1: unknown number key 'x'"):
        substitute_vars("{{< var x >}}", {})
    text = "a {{< var n.k >}} b {{{< var\nn.k >}}} c"
    assert substitute_vars(text, {"n": {"k": "12"}}) == "a 12 b {{< var\nn.k >}} c"
    assert substitute_vars(text, {"n": {"k": "12"}}, link=lambda k, d: f"[{d}](#{k})") == (
        "a [12](#n.k) b {{< var\nn.k >}} c"
    )


def test_include_target():
    assert _include_target("/a/./b/../c.md") == "a/c.md"
    assert _include_target("X.md") == "X.md"
    assert _include_target("/") == ""
    assert _include_target(".") == ""
    assert _include_target("..") == ".."


def test_includes_are_inlined_recursively_with_one_final_newline_dropped():
    files = {"a.md": "A1\n{{< include b.md >}}\n", "b.md": "B\n", "X.md": "x"}
    assert expand_includes("top\n{{< include a.md >}}\nend", reader(files)) == "top\nA1\nB\nend"
    assert expand_includes("{{< include 'X.md' >}} {{< include \"/X.md\" >}}", reader(files)) == "x x"
    assert expand_includes("{{{< include a.md >}}}", reader(files)) == "{{{< include a.md >}}}"


def test_include_errors_name_the_document_and_line():
    files = {"a.md": "one\n{{< include missing.md >}}\n", "self.md": "{{< include self.md >}}",
             "p.md": "{{< include q.md >}}", "q.md": "{{< include p.md >}}", "bytes.md": b"x"}
    assert include_error("x\n\n{{< include . >}}", files) == (
        "main document:3: include shortcode names no file ('.')"
    )
    assert include_error("{{< include .. >}}", files, file_name="index.qmd") == (
        "index.qmd:1: included file '..' lies outside the project"
    )
    assert include_error("{{< include ../x.md >}}", files) == (
        "main document:1: included file '../x.md' lies outside the project"
    )
    assert include_error("{{< include a.md >}}", files, file_name="index.qmd") == (
        "a.md:2: included file 'missing.md' cannot be read (FileNotFoundError: no such file: missing.md)"
    )
    assert include_error("{{< include self.md >}}", files, file_name="index.qmd") == (
        "self.md:1: include cycle: self.md -> self.md"
    )
    assert include_error("x {{< include index.qmd >}}", files, file_name="index.qmd") == (
        "index.qmd:1: include cycle: index.qmd"
    )
    assert include_error("{{< include p.md >}}", files, file_name="index.qmd") == (
        "q.md:1: include cycle: p.md -> q.md -> p.md"
    )
    assert include_error("\n{{< include bytes.md >}}", files) == (
        "main document:2: reader returned bytes for 'bytes.md', not text"
    )

    def broken(path):
        raise KeyError(path)

    with pytest.raises(IncludeError) as e:
        expand_includes("{{< include k.md >}}", broken)
    assert str(e.value) == "main document:1: included file 'k.md' cannot be read (KeyError: 'k.md')"


def test_include_depth_limit():
    # the main document includes f0, which includes f1: two levels of nesting
    files = {f"f{i}.md": f"{{{{< include f{i + 1}.md >}}}}" for i in range(30)}
    files["f1.md"] = "end"
    assert expand_includes("{{< include f0.md >}}", reader(files), max_depth=2) == "end"
    files["f1.md"] = "{{< include f2.md >}}"
    assert include_error("{{< include f0.md >}}", files, max_depth=2) == (
        "f1.md:1: includes nested deeper than 2 levels"
    )
    files = {f"f{i}.md": f"{{{{< include f{i + 1}.md >}}}}" for i in range(30)}
    files["f19.md"] = "end"
    assert expand_includes("{{< include f0.md >}}", reader(files)) == "end"
    files["f19.md"] = "{{< include f20.md >}}"
    assert include_error("{{< include f0.md >}}", files) == "f19.md:1: includes nested deeper than 20 levels"


def test_find_shortcodes_skips_escaped_ones_and_keeps_lines():
    text = "a {{< var x.y >}}\n{{{< var no >}}} {{< pagebreak >}}\n\n{{< meta\ntitle >}}"
    assert find_shortcodes(text) == [
        ("var", "{{< var x.y >}}", 1),
        ("pagebreak", "{{< pagebreak >}}", 2),
        ("meta", "{{< meta\ntitle >}}", 4),
    ]
    assert find_shortcodes("{{{< var a\nb >}}}\n{{< var c >}}") == [("var", "{{< var c >}}", 3)]
    assert find_shortcodes("") == []


def test_include_error_line_is_the_shortcode_line_not_the_last_line():
    assert include_error("{{< include . >}}\nmore\nlines", {}) == (
        "main document:1: include shortcode names no file ('.')"
    )
