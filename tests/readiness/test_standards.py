"""The standard as versioned data: parsing, the rules, and `flask --app lms standards load`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.readiness.models import StandardVersion
from lms.readiness.standards import (
    IndicatorError,
    StandardFileError,
    financial_judgement,
    item_codes,
    parse_indicators,
    parse_standard_file,
    parse_standard_text,
    score,
)

SHIPPED = Path(__file__).resolve().parents[2] / "standards"


def test_shipped_files_hold_the_four_modules_and_the_rules():
    data_2022 = parse_standard_file(SHIPPED / "2022.yaml")
    data_2026 = parse_standard_file(SHIPPED / "2026.yaml")
    for data in (data_2022, data_2026):
        assert [m["code"] for m in data["modules"]] == [
            "internal_control",
            "financial_status",
            "compliance",
            "trade_security",
        ]
        assert data["judgements"] == ["meets", "basically_meets", "does_not_meet", "not_applicable"]
    assert len(item_codes(data_2022)) == 16  # the 2022 general standard's 16 items
    assert data_2026["financial"]["meets_at_least"] == 2
    assert data_2026["financial"]["basically_meets_at_least"] == 1
    assert len(data_2026["financial"]["indicators"]) == 9
    # Facts only summarised or uncertain keep their mark as data.
    assert data_2022["pass_rule"]["confidence"] == "P"
    assert data_2022["pass_rule"]["max_basically_meets"]["confidence"] == "U"


@pytest.fixture(scope="module")
def data_2026():
    return parse_standard_file(SHIPPED / "2026.yaml")


@pytest.mark.parametrize(
    "values,production,expected",
    [
        ({"net_profit": "10", "current_ratio": "1.2"}, True, "meets"),
        ({"net_profit": "10", "current_ratio": "0.5"}, True, "basically_meets"),
        ({"net_profit": "-3", "current_ratio": "0.5"}, True, "does_not_meet"),
        # the debt ratio threshold: 85 % for production, 75 % for other enterprises
        ({"debt_ratio": "80", "net_profit": "-1"}, True, "basically_meets"),
        ({"debt_ratio": "80", "net_profit": "-1"}, False, "does_not_meet"),
    ],
)
def test_financial_status_is_computed_from_the_indicators(data_2026, values, production, expected):
    judgement, _ = financial_judgement(data_2026, parse_indicators(data_2026, values), production)
    assert judgement == expected


def test_indicators_out_of_range_are_refused_per_field(data_2026):
    with pytest.raises(IndicatorError) as caught:
        parse_indicators(
            data_2026,
            {"cash_ratio": "-0.5", "gross_margin": "120", "current_ratio": "abc", "net_profit": "5"},
        )
    assert caught.value.problems == {
        "cash_ratio": "below",
        "gross_margin": "above",
        "current_ratio": "not_a_number",
    }


def test_pass_rule_scores_and_names_what_fails(data_2026):
    everything = dict.fromkeys(item_codes(data_2026), "meets")
    passing = score(data_2026, everything)
    assert passing.passed and passing.total == 102  # two additional items met, capped at +2
    failing = score(data_2026, {**everything, "TS-03": "does_not_meet", "AD-01": None, "AD-02": None})
    assert not failing.passed
    assert ("item", {"code": "TS-03", "judgement": "does_not_meet"}) in failing.failures
    low = score(data_2026, {**dict.fromkeys(item_codes(data_2026), "basically_meets")})
    assert any(key == "total" for key, _ in low.failures)


def test_2022_limit_on_basically_meets():
    data = parse_standard_file(SHIPPED / "2022.yaml")
    judgements = dict.fromkeys(item_codes(data), "meets")
    for code in ("IC-01", "IC-02", "TS-01", "TS-02"):
        judgements[code] = "basically_meets"
    verdict = score(data, judgements)
    assert verdict.total == 96
    assert not verdict.passed
    assert verdict.failures[0][0] == "basically"


BAD_FILES = [
    ("  - code: XX-1\n", "item code 'XX-1' must look like IC-01", "code: XX-1"),
    ("    compare: between\n", "'compare' must be one of", "compare: between"),
    ("  item: FS-99\n", "'item' names 'FS-99'", "item: FS-99"),
    ("colour: blue\n", "unknown field 'colour'", "colour: blue"),
]


@pytest.mark.parametrize("replacement,message,marker", BAD_FILES)
def test_bad_standard_files_name_file_and_line(tmp_path, replacement, message, marker):
    text = (SHIPPED / "2026.yaml").read_text(encoding="utf-8")
    if marker.startswith("code: XX"):
        text = text.replace("      - code: IC-02\n", "      - code: XX-1\n", 1)
    elif marker.startswith("compare"):
        text = text.replace("      compare: le\n", "      compare: between\n", 1)
    elif marker.startswith("item: FS"):
        text = text.replace("  item: FS-01\n", "  item: FS-99\n", 1)
    else:
        text += "colour: blue\n"
    expected_line = text.split("\n").index(next(line for line in text.split("\n") if marker in line)) + 1
    with pytest.raises(StandardFileError) as caught:
        parse_standard_text(tmp_path / "2026.yaml", text)
    assert message in str(caught.value)
    assert caught.value.line == expected_line
    assert str(caught.value).startswith(f"{tmp_path / '2026.yaml'}:{expected_line}:")


def test_load_is_idempotent_and_a_changed_file_is_a_new_version(cli, tmp_path, db):
    folder = tmp_path / "standards"
    shutil.copytree(SHIPPED, folder)
    first = cli.invoke(args=["standards", "load", str(folder)])
    assert first.exit_code == 0, first.output
    assert "2 new version(s)" in first.output
    again = cli.invoke(args=["standards", "load", str(folder)])
    assert "Nothing changed: 2 standard(s) already up to date." in again.output
    path = folder / "2026.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("minimum_total: 95", "minimum_total: 96"), encoding="utf-8"
    )
    changed = cli.invoke(args=["standards", "load", str(folder)])
    assert "aeo-general-2026: version 2 loaded from 2026.yaml; version 1 is now read-only." in changed.output
    versions = db.session.execute(
        sa.select(StandardVersion.number, StandardVersion.superseded)
        .where(StandardVersion.code == "aeo-general-2026")
        .order_by(StandardVersion.number)
    ).all()
    assert versions == [(1, True), (2, False)]


def test_a_bad_file_loads_nothing(cli, tmp_path, db):
    folder = tmp_path / "standards"
    shutil.copytree(SHIPPED, folder)
    path = folder / "2022.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("fail_on: [does_not_meet]", "fail_on: [awful]"),
        encoding="utf-8",
    )
    result = cli.invoke(args=["standards", "load", str(folder)])
    assert result.exit_code == 1
    assert "2022.yaml:" in result.output and "'fail_on' has 'awful'" in result.output
    assert "nothing was loaded" in result.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(StandardVersion)).scalar_one() == 0


def test_standards_pages_say_which_version_applies(client, standards):
    client.login("officer.futian")
    page = client.get("/readiness/standards")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Applies today" in text and "Retired: read-only" in text
    detail = client.get(f"/readiness/standards/{standards['aeo-general-2026'].id}").get_data(as_text=True)
    assert "Return on assets" in detail and "secondary summary" in detail
