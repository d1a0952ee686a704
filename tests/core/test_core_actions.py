"""The one way a page acts (lms/core/actions.act): load → check → validate → service → commit once → flash →
redirect, and a refusal rolls back with nothing written and is shown."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest, Forbidden, NotFound
from wtforms import StringField
from wtforms.validators import DataRequired

from lms.core.actions import act, flash_errors, on_form
from lms.errors import NotPermitted, RuleViolation
from lms.org.models import CustomsUnit


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])


def _form() -> NameForm:
    return NameForm(meta={"csrf": False})


def _units(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(CustomsUnit)).scalar_one()


@pytest.fixture
def parent(db, factory):
    unit = factory.unit("5300", level="gacc")
    db.session.commit()
    return unit


@pytest.fixture
def commits(db, parent, monkeypatch):
    """How many times the request committed (counted once the parent unit is in)."""
    counter = {"count": 0}
    real_commit = db.session.commit

    def commit():
        counter["count"] += 1
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit)
    return counter


def _add_unit(db, code: str):
    def call(parent, form):
        unit = CustomsUnit(
            code=code, name_en=form.name.data, name_zh=form.name.data, level="local", parent=parent, path="/"
        )
        db.session.add(unit)
        return unit

    return call


def test_success_commits_once_flashes_and_redirects(app, db, parent, commits):
    with app.test_request_context("/units/new", method="POST", data={"name": "Futian"}):
        response = act(
            _add_unit(db, "5301"),
            load=lambda: parent,
            form=_form(),
            success=lambda unit: f"{unit.name_en} added.",
            redirect_to=lambda unit: f"/units/{unit.code}",
        )
        assert get_flashed_messages(with_categories=True) == [("success", "Futian added.")]
    assert response.status_code == 302
    assert response.location == "/units/5301"
    assert commits["count"] == 1
    db.session.expire_all()
    assert db.session.execute(
        sa.select(CustomsUnit.name_en).where(CustomsUnit.code == "5301")
    ).scalar_one() == ("Futian")


def test_refusal_rolls_back_with_nothing_written_and_shows_the_message(app, db, parent, commits):
    before = _units(db)

    def half_then_refuse(parent, form):
        _add_unit(db, "5301")(parent, form)
        db.session.flush()  # written to the transaction, then refused
        raise RuleViolation("The unit may not be added now.")

    with app.test_request_context("/units/new", method="POST", data={"name": "Futian"}):
        response = act(
            half_then_refuse,
            load=lambda: parent,
            form=_form(),
            success="never shown",
            redirect_to="/units",
        )
        assert get_flashed_messages(with_categories=True) == [("error", "The unit may not be added now.")]
    assert response.status_code == 302
    assert response.location == "/units"
    assert commits["count"] == 0
    assert _units(db) == before


def test_refusal_on_the_form_rerenders_it_with_the_refusal_status(app, db, parent, commits):
    loads = []

    def load():
        loads.append(1)
        return parent

    def refuse(parent, form):
        _add_unit(db, "5301")(parent, form)
        raise RuleViolation("This name is taken.", field="name")

    with app.test_request_context("/units/new", method="POST", data={"name": "Futian"}):
        page, status = act(
            refuse,
            load=load,
            form=(form := _form()),
            refused=on_form(lambda parent, form: ("the form page", 200)),
            success="never shown",
            redirect_to="/units",
        )
        assert get_flashed_messages() == []
    assert (page, status) == ("the form page", 409)
    assert form.name.errors == ["This name is taken."]
    assert len(loads) == 2  # loaded again, through the scope, on the rolled-back session
    assert commits["count"] == 0
    assert _units(db) == 1  # the parent only


def test_out_of_scope_object_is_404_and_nothing_runs(app, db, commits):
    called = []

    def out_of_scope():
        raise NotFound()

    with (
        app.test_request_context("/units/9/edit", method="POST", data={"name": "Futian"}),
        pytest.raises(NotFound),
    ):
        act(
            lambda obj, form: called.append(1),
            load=out_of_scope,
            form=_form(),
            success="never shown",
            redirect_to="/units",
        )
    assert called == []
    assert commits["count"] == 0


def test_bad_form_rerenders_without_calling_the_service(app, db, parent, commits):
    called = []
    with app.test_request_context("/units/new", method="POST", data={"name": ""}):
        page, status = act(
            lambda parent, form: called.append(1),
            load=lambda: parent,
            form=_form(),
            invalid=lambda parent, form: (f"the form page: {form.name.errors[0]}", 400),
            success="never shown",
            redirect_to="/units",
        )
    assert (page, status) == ("the form page: This field is required.", 400)
    assert called == []
    assert commits["count"] == 0


def test_bad_form_without_a_page_is_400_or_flashed(app, db, commits):
    with app.test_request_context("/units/new", method="POST", data={}):
        with pytest.raises(BadRequest):
            act(lambda obj, form: None, form=_form(), success="never shown", redirect_to="/units")
        response = act(
            lambda obj, form: None,
            form=_form(),
            invalid=flash_errors("/units"),
            success="never shown",
            redirect_to="/units",
        )
        assert get_flashed_messages(with_categories=True) == [("error", "Name: This field is required.")]
    assert response.location == "/units"
    assert commits["count"] == 0


def test_not_permitted_can_answer_403(app, db, commits):
    def refuse(obj, form):
        raise NotPermitted("Not yours.")

    with app.test_request_context("/units/new", method="POST", data={"name": "Futian"}):
        with pytest.raises(Forbidden):
            act(refuse, form=_form(), forbidden=True, success="never shown", redirect_to="/units")
        response = act(refuse, form=_form(), success="never shown", redirect_to="/units")
        assert get_flashed_messages(with_categories=True) == [("error", "Not yours.")]
    assert response.location == "/units"
    assert commits["count"] == 0


def test_a_safe_next_wins_and_a_foreign_one_is_ignored(app, db, commits):
    for posted, expected in (("/cultivation/cases", "/cultivation/cases"), ("//evil.test/x", "/units")):
        with app.test_request_context("/units/new", method="POST", data={"name": "Futian", "next": posted}):
            response = act(
                lambda obj, form: None,
                form=_form(),
                success=("Noted.", "info"),
                redirect_to="/units",
                follow_next=True,
            )
            assert get_flashed_messages(with_categories=True) == [("info", "Noted.")]
        assert response.location == expected
    assert commits["count"] == 2


def test_destructive_action_asks_first(app, db, commits):
    with app.test_request_context("/units/9/delete", method="POST", data={"name": "Futian"}):
        answer = act(
            lambda obj, form: pytest.fail("ran before it was confirmed"),
            form=_form(),
            confirm=lambda obj, form: "the confirmation page",
            success="never shown",
            redirect_to="/units",
        )
    assert answer == "the confirmation page"
    assert commits["count"] == 0


# -- through a page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "status", "bars"), [("officer.futian", 302, 1), ("officer.shanghai", 404, 0)]
)
def test_page_action_in_and_out_of_scope(client, db, demo, login, status, bars):
    from lms.cultivation.models import BarEvent

    pengcheng = demo.enterprise("Pengcheng")
    client.login(login)
    url = f"/cultivation/enterprises/{pengcheng.id}/bars"
    response = client.submit(url, {"kind": "gave_up_aeo", "occurred_on": "2026-10-01", "notes": "x"})
    assert response.status_code == status
    assert db.session.execute(sa.select(sa.func.count()).select_from(BarEvent)).scalar_one() == bars
    if status == 302:
        assert response.location.endswith(f"/cultivation/enterprises/{pengcheng.id}")
        page = client.get(response.location)
        assert "The one-year bar was recorded." in page.get_data(as_text=True)


def test_page_action_with_a_bad_form_rerenders_it(client, db, demo):
    from lms.cultivation.models import BarEvent

    pengcheng = demo.enterprise("Pengcheng")
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/enterprises/{pengcheng.id}/bars", {"kind": "gave_up_aeo", "notes": "x" * 501}
    )
    assert response.status_code == 400
    assert "Record the bar" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(BarEvent)).scalar_one() == 0


def test_after_commit_runs_only_once_committed(app, db, commits):
    done = []

    def refuse(obj, form):
        raise RuleViolation("No.")

    with app.test_request_context("/files/1/remove", method="POST"):
        act(
            lambda obj, form: "stored-name",
            success="Removed.",
            redirect_to="/files",
            after_commit=done.append,
        )
        act(refuse, success="never shown", redirect_to="/files", after_commit=done.append)
        assert get_flashed_messages(with_categories=True) == [("success", "Removed."), ("error", "No.")]
    assert done == ["stored-name"]
    assert commits["count"] == 1
