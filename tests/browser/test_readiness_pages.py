"""The readiness pages in Chromium (issue 15): the officer's map, an enterprise below the pass rule with its
learning path, an assessment and its review form, and the trainee's own pages; in English and Chinese, on a
laptop and a phone. Every page is checked (no horizontal scroll, no console error, no serious axe violation)."""

from __future__ import annotations

import pytest

from tests.browser.visitor import Visitor


@pytest.mark.parametrize("language,width", [("en", 1280), ("zh_CN", 390)])
def test_officer_and_trainee_readiness_pages(chromium, live, axe_source, language, width):
    v = Visitor(chromium, live, axe_source, language, width)
    v.login("officer.futian")
    v.goto("/readiness/map")
    v.goto("/readiness/map?level=items&sort=total")
    v.goto("/readiness/map")
    v.follow("table.heatmap a[href^='/readiness/enterprises/']")
    assert v.page.locator(".readiness-map .jcell").count() > 0
    v.follow("a[href^='/readiness/assessments/']")
    v.goto("/readiness/effect?by=expert")
    v.goto("/readiness/standards")
    v.follow("a[href^='/readiness/standards/']")
    v.finish()

    t = Visitor(chromium, live, axe_source, language, width)
    t.login("trainee")
    t.goto("/readiness/")
    assert t.page.locator(".verdict").count() == 1
    t.follow("a[href^='/readiness/assessments/']")
    t.finish()
