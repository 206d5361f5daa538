"""A headless Chromium for the console's browser tests: Debian's `chromium` driven by its `chromedriver`
(both from apt; no browser is downloaded), at a laptop's 1366x768, downloads going to a given folder."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(downloads: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,768", "--lang=vi-VN", "--autoplay-policy=no-user-gesture-required",
                "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def wait_for(cond: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``cond`` until it gives a true value or the deadline passes; return its last value. A page
    still loading (no such element yet, or one replaced while read) counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = cond()
        except (NoSuchElementException, StaleElementReferenceException):
            value = None
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
