"""Issue 12's layout defects, each as a person in Chromium would see it (SQLite only: the database does not
matter here)."""

from __future__ import annotations

import pytest

from tests.browser.visitor import Visitor

CONTRAST = """(selector) => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const band = rgb(getComputedStyle(document.querySelector('.site-nav')).backgroundColor);
  return Array.from(document.querySelectorAll(selector))
    .filter(e => e.offsetParent !== null)
    .map(e => { const a = lum(rgb(getComputedStyle(e).color)), b = lum(band);
      return [e.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]; });
}"""


def _person(chromium, live, axe_source, language="en", width=1280, login="officer.shenzhen"):
    person = Visitor(chromium, live, axe_source, language, width)
    person.login(login)
    return person


def test_header_controls_are_readable_on_course_pages(chromium, live, axe_source):
    """The language switch and the user's menu were the colour of the band on /courses/*."""
    v = _person(chromium, live, axe_source)
    for path in ("/courses/", "/courses/credit-management", "/"):
        v.goto(path)
        ratios = v.page.evaluate(CONTRAST, ".site-nav .nav-link, .site-nav .navbar-brand")
        assert len(ratios) >= 5
        faint = [(text, round(ratio, 2)) for text, ratio in ratios if ratio < 4.5]
        assert not faint, (path, faint)
    v.finish()


def test_officer_navigation_is_one_row_of_a_few_menus(chromium, live, axe_source):
    v = _person(chromium, live, axe_source)
    top = v.page.locator(".main-nav > li")
    assert top.count() <= 7
    height = v.page.locator(".site-nav").bounding_box()["height"]
    assert height < 80, height  # one row, not three
    # The menus open without a script of their own (details/summary) and hold the links.
    v.page.locator(".main-nav details.menu summary").first.click()
    assert v.page.locator(".main-nav details.menu[open] .dropdown-item").first.is_visible()
    v.finish()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_lists_and_reports_fit_a_phone(chromium, live, axe_source, language):
    """At 390 px the sessions list and the reports were 705 px wide."""
    v = _person(chromium, live, axe_source, language=language, width=390)
    for path in ("/sessions/", "/reports/", "/cultivation/cases"):
        v.goto(path)
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 390, path
        if language != "zh_CN":
            continue
        # Chinese header cells keep their words on one line (they wrapped to one character a line), and data
        # cells keep room for a few characters.
        narrowest = v.page.evaluate(
            """() => Math.min(...Array.from(document.querySelectorAll('.table td:not(.num):not(:empty)'))
                 .filter(e => e.offsetParent && e.textContent.trim().length > 4)
                 .map(e => e.getBoundingClientRect().width / parseFloat(getComputedStyle(e).fontSize)))"""
        )
        assert narrowest >= 4, (path, narrowest)
        heights = v.page.evaluate(
            """() => Array.from(document.querySelectorAll('.table th')).filter(e => e.offsetParent)
                 .map(e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight || 20))"""
        )
        assert heights and max(heights) < 2.6, (path, max(heights))
    v.finish()


def test_wide_tables_scroll_with_a_visible_cue(chromium, live, axe_source):
    v = _person(chromium, live, axe_source, width=390)
    v.goto("/reports/")
    boxes = v.page.locator(".table-responsive.is-overflowing")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.is_visible():
            continue
        hint = box.locator("xpath=following-sibling::*[1]")
        assert "scroll-hint" in hint.get_attribute("class") and hint.is_visible()
        assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    v.finish()


def test_course_page_fits_a_laptop(chromium, live, axe_source):
    v = _person(chromium, live, axe_source, login="trainee")
    for slug in ("credit-management", "trade-security-onsite", "aeo-standard"):
        v.goto(f"/courses/{slug}")
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 1280
        # The facts column stays readable: no label squeezed to a letter a line.
        widths = v.page.evaluate(
            "() => Array.from(document.querySelectorAll('dl.facts dd')).map(e => e.getBoundingClientRect().width)"
        )
        assert not widths or min(widths) > 80, widths
    v.finish()


def test_destructive_action_opens_a_dialog_with_the_reason(chromium, live, axe_source):
    """With scripts, Terminate on the case page shows the confirmation (and its reason) in a dialog."""
    v = _person(chromium, live, axe_source)
    v.goto("/")
    case = v.page.locator("a[href*='/terminate?']").first.get_attribute("href").split("/terminate")[0]
    v.goto(case)
    v.page.locator("form.action-terminate button[type=submit]").click()
    dialog = v.page.locator("#confirm-dialog.show")
    dialog.wait_for(state="visible")
    assert dialog.locator("select[name='terminate-reason']").is_visible()
    assert dialog.locator("input[name=confirmed][value='1']").count() == 1
    dialog.locator("a.confirm-back").click()
    dialog.wait_for(state="detached")
    assert v.page.url.endswith(case)  # nothing happened
    v.finish()


def test_destructive_action_without_javascript_gets_a_confirmation_page(chromium, live):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 860})
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("input[name=identifier]", "officer.shenzhen")
    page.fill("input[name=password]", "demo-2026")
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    # Without scripts the menu is not hidden behind its button.
    assert page.locator(".main-nav").is_visible()
    href = page.locator("a[href*='/terminate?']").first.get_attribute("href")
    case = href.split("/terminate")[0]
    page.goto(live.url + case)
    page.locator("form.action-terminate select[name='terminate-reason']").select_option("other")
    page.fill("form.action-terminate input[name='terminate-reason_text']", "The enterprise closed down.")
    page.locator("form.action-terminate button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("section.confirmation h1").is_visible()
    assert page.locator("input[name='terminate-reason_text']").input_value() == "The enterprise closed down."
    page.locator("form.confirm-form button.btn-danger").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(case)
    assert page.locator(".badge.state-terminated").count() == 1
    context.close()
