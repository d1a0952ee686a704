"""A person in Chromium: signs in, switches language, follows links and fills forms; every page they reach is
checked (no error status, no horizontal scroll, no console error, no raw code in the text, and axe-core finds no
critical or serious violation)."""

from __future__ import annotations

import re

# A raw enum value such as attempt_graded or in_training shown to a person instead of its label.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


class Visitor:
    def __init__(self, chromium, live, axe_source: str, language: str, width: int):
        self.live = live
        self.axe_source = axe_source
        self.language = language
        self.width = width
        self.context = chromium.new_context(
            viewport={"width": width, "height": 860},
            locale="zh-CN" if language == "zh_CN" else "en-GB",
            accept_downloads=True,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.problems: list[str] = []
        self.visited: list[str] = []
        self.page.on("console", self._console)
        self.page.on(
            "pageerror", lambda error: self.problems.append(f"script error on {self.page.url}: {error}")
        )

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    # -- moving around ---------------------------------------------------------------------------------------

    def goto(self, path: str):
        response = self.page.goto(self.live.url + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        self.check()
        return response

    def submit(self, selector: str):
        """Click a submit button (or link) and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            self.page.locator(selector).first.click()
        response = navigation.value
        assert response is not None and response.status < 400, f"{selector}: {response and response.status}"
        self.check()
        return response

    def follow(self, selector: str):
        return self.submit(selector)

    def open_menu(self) -> None:
        """At small widths the navigation sits behind its toggler."""
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            self.page.locator("#site-menu.show").wait_for(state="visible")

    def login(self, login_name: str, password: str = "demo-2026") -> None:
        self.goto("/login")
        self.page.fill("input[name=identifier]", login_name)
        self.page.fill("input[name=password]", password)
        self.submit("main button[type=submit]")
        if self.page.locator("html").get_attribute("lang") != self.html_lang:
            self.open_menu()
            self.submit(f"form.language-switch button[value={self.language}]")
        assert self.page.locator("html").get_attribute("lang") == self.html_lang

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.language == "zh_CN" else "en"

    def download(self, selector: str):
        with self.page.expect_download() as info:
            self.page.locator(selector).first.click()
        return info.value

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    # -- checks ----------------------------------------------------------------------------------------------

    def check(self) -> None:
        page = self.page
        page.wait_for_load_state("load")
        where = page.url.removeprefix(self.live.url)
        self.visited.append(where)
        assert page.locator("html").get_attribute("lang") in ("en", "zh-CN")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide = page.evaluate(
                """() => {
                   const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
                       if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }
                     return false; };
                   return Array.from(document.querySelectorAll('body *'))
                     .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                     .filter(e => !clipped(e))
                     .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))
                     .join(', '); }"""
            )
            self.problems.append(f"{where} at {self.width}px scrolls sideways by {overflow}px ({wide})")
        raw = page.evaluate(
            """() => { const clone = document.body.cloneNode(true);
                 clone.querySelectorAll('code, pre, script, style, textarea, input, select, .prose, [lang]:not(html)')
                   .forEach(e => e.remove());
                 return clone.innerText; }"""
        )
        codes = sorted(set(RAW_CODE.findall(raw)))
        if codes:
            self.problems.append(f"{where}: raw codes in the text: {codes}")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate("(source) => { (0, eval)(source); }", self.axe_source)
        violations = page.evaluate(
            """async () => {
                 const result = await axe.run(document, {resultTypes: ['violations']});
                 return result.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
                   .map(v => v.id + ' (' + v.impact + '): ' +
                        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
               }"""
        )
        for violation in violations:
            self.problems.append(f"axe on {where} at {self.width}px: {violation}")

    def finish(self) -> None:
        self.context.close()
        assert not self.problems, "\n".join(self.problems)
