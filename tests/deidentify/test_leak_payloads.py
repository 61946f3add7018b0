"""The leak check reads documents as a reader meets them: no base64 image payloads."""

import base64

from selfcare.deidentify.leaks import build_leak_index, extractable_text, scan_text, strip_image_payloads


def _index():
    registers = {"participants": __import__("pandas").DataFrame({"full_name": ["Ada Quill"]})}
    from selfcare.deidentify.leaks import register_identifiers

    return build_leak_index(register_identifiers(registers))


def test_a_name_inside_an_image_payload_is_not_a_hit_but_in_alt_text_it_is():
    payload = base64.b64encode(b"\x00\x01" * 40).decode() + "AdaQuill" + "Ada+Quill/Ada=="
    html = f'<p><img src="data:image/png;base64,{payload}" alt="Bars by site"></p>'
    text = extractable_text(".html", html.encode())
    assert "AdaQuill" not in text and "[payload]" in text
    index = _index()
    assert sum(scan_text(text, index).values()) == 0
    leaking = html.replace("Bars by site", "Ada Quill's scores")
    assert sum(scan_text(extractable_text(".html", leaking.encode()), index).values()) >= 1


def test_only_image_data_uris_are_stripped():
    text = "see data:text/plain;base64,QWRhIFF1aWxs and Ada"
    assert strip_image_payloads(text) == text
