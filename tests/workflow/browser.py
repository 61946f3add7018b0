"""Headless Chromium for the browser test of the HTML report (tests/workflow/test_workflow.py).

Selenium drives Debian's ``chromium`` through Debian's ``chromedriver``; both
paths are given explicitly so that Selenium Manager never runs (it would go to
the network to find a driver). The browser runs headless, without its sandbox
(CI runs as root in a container) and with a fixed window of 1280 x 900.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SELFCARE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SELFCARE_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTH, HEIGHT = 1280, 900


def chromium_driver():
    """A headless Chromium WebDriver at 1280 x 900, or skip (fail under CI) when absent.

    ``SELFCARE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns a missing browser
    into a failure, so that CI cannot pass by skipping the test."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).is_file() or shutil.which(p))]
    if missing:
        message = f"headless browser not installed ({', '.join(missing)}): apt-get install chromium chromium-driver"
        if os.environ.get("SELFCARE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(WIDTH, HEIGHT)
    return driver


#: JavaScript measuring the layout: viewport, contents, column, tables, figures.
LAYOUT_JS = """
const main = document.querySelector('main');
const toc = document.getElementById('TOC');
const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.width, r.top]; };
const tables = Array.from(main.querySelectorAll('table')).map(t => {
  const wrap = t.parentElement;
  const cs = getComputedStyle(wrap);
  const caption = wrap.parentElement.querySelector('.table-caption');
  return {caption: caption ? caption.textContent.slice(0, 60) : '',
          captionRight: caption ? rect(caption)[1] : 0, captionClipped: caption ? caption.scrollWidth > caption.clientWidth : false,
          wrapped: wrap.classList.contains('table-wrap'), overflowX: cs.overflowX,
          scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth, right: rect(wrap)[1]};
});
const figures = Array.from(main.querySelectorAll('figure img')).map(i => i.getBoundingClientRect().width);
return {innerWidth: window.innerWidth, docScrollWidth: document.documentElement.scrollWidth,
        main: rect(main), mainContent: main.clientWidth, toc: toc ? rect(toc) : null,
        tocVisible: !!toc && getComputedStyle(toc).display !== 'none' && toc.querySelectorAll('a').length,
        banner: (document.querySelector('.synthetic-banner') || {innerText: ''}).innerText,
        tables: tables, figures: figures};
"""
