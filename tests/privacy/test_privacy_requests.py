"""Deletion requests (trainee asks, administrator decides) and the log of who opened whose records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.privacy.models import DeletionRequest, RecordAccess


def _ask(client, reason="I left the company.", **kwargs):
    return client.submit("/privacy/deletion", {"reason": reason}, **kwargs)


def test_a_trainee_asks_and_an_admin_approves_after_confirming(client, demo, db):
    trainee = demo.user("trainee.customs")
    name = trainee.display_name
    client.login("trainee.customs")
    assert _ask(client).status_code == 302
    again = _ask(client, "Again")
    assert again.status_code == 302
    assert "still waiting" in client.get("/privacy/").get_data(as_text=True)
    request = db.session.execute(sa.select(DeletionRequest)).scalar_one()
    assert (request.user_id, request.status, request.reason) == (trainee.id, "pending", "I left the company.")
    client.submit("/logout")
    client.login("admin")
    assert name in client.get("/privacy/requests").get_data(as_text=True)
    # The button leads to the confirmation page; only a confirmed POST acts.
    page = client.get(f"/privacy/requests/{request.id}/approve")
    assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)
    assert client.submit(f"/privacy/requests/{request.id}/approve").status_code == 200
    db.session.expire_all()
    assert db.session.get(DeletionRequest, request.id).status == "pending"
    done = client.submit(f"/privacy/requests/{request.id}/approve", {"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    decided = db.session.get(DeletionRequest, request.id)
    person = db.session.get(User, trainee.id)
    assert decided.status == "approved" and decided.reason == "" and person.pseudonymised_at is not None
    assert name not in client.get("/privacy/requests?status=approved").get_data(as_text=True)
    # Deciding twice is refused with a message.
    twice = client.submit(f"/privacy/requests/{request.id}/approve", {"confirmed": "1"})
    assert twice.status_code == 409
    assert "already been decided" in twice.get_data(as_text=True)


def test_a_rejection_needs_a_note_the_trainee_sees(client, demo, db):
    client.login("trainee.finance")
    _ask(client)
    request = db.session.execute(sa.select(DeletionRequest)).scalar_one()
    client.submit("/logout")
    client.login("admin")
    empty = client.submit(f"/privacy/requests/{request.id}/reject", {"confirmed": "1", "note": ""})
    assert empty.status_code == 400 and "Say why" in empty.get_data(as_text=True)
    assert (
        client.submit(
            f"/privacy/requests/{request.id}/reject",
            {"confirmed": "1", "note": "Records under audit until 2027."},
        ).status_code
        == 302
    )
    client.submit("/logout")
    client.login("trainee.finance")
    page = client.get("/privacy/").get_data(as_text=True)
    assert "Rejected" in page and "Records under audit until 2027." in page
    db.session.expire_all()
    assert demo.user("trainee.finance").pseudonymised_at is None


@pytest.mark.parametrize("login", ["officer.shenzhen", "expert.shenzhen", "trainee.manager"])
def test_only_administrators_decide(client, demo, db, login):
    client.login("trainee.finance")
    _ask(client)
    request = db.session.execute(sa.select(DeletionRequest)).scalar_one()
    client.submit("/logout")
    client.login(login)
    assert client.get("/privacy/requests").status_code == 403
    assert client.submit(f"/privacy/requests/{request.id}/approve", {"confirmed": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(DeletionRequest, request.id).status == "pending"


@pytest.mark.parametrize("login", ["officer.shenzhen", "expert.shenzhen", "admin"])
def test_staff_do_not_ask_for_deletion_here(client, demo, db, login):
    client.login(login)
    assert _ask(client).status_code == 403
    assert db.session.execute(sa.select(DeletionRequest)).first() is None


def test_a_too_long_reason_is_a_message(client, demo, db):
    client.login("trainee")
    response = _ask(client, "x" * 3000, follow_redirects=True)
    assert response.status_code == 200 and "The reason is too long." in response.get_data(as_text=True)
    assert db.session.execute(sa.select(DeletionRequest)).first() is None


# -- who opened whose records -----------------------------------------------------------------------------------


def test_openings_by_staff_are_logged_and_shown_to_admins_and_the_trainee(client, demo, db):
    trainee = demo.user("trainee")
    client.login("officer.futian")
    assert client.get(f"/users/{trainee.id}").status_code == 200
    assert client.get(f"/users/{demo.user('officer.futian').id}").status_code == 200  # staff: not logged
    client.submit("/logout")
    rows = db.session.execute(sa.select(RecordAccess)).scalars().all()
    assert [(r.actor_id, r.subject_id, r.kind, r.path) for r in rows] == [
        (demo.user("officer.futian").id, trainee.id, "profile", f"/users/{trainee.id}")
    ]
    client.login("admin")
    log = client.get("/privacy/access-log").get_data(as_text=True)
    assert demo.user("officer.futian").display_name in log and trainee.display_name in log
    assert demo.user("officer.futian").display_name in client.get(
        f"/privacy/access-log?person={trainee.id}"
    ).get_data(as_text=True)
    client.submit("/logout")
    client.login("trainee")
    own = client.get("/privacy/").get_data(as_text=True)
    assert "Who opened my records" in own and demo.user("officer.futian").display_name in own
    client.submit("/logout")
    # Another trainee sees only their own (empty) log.
    client.login("trainee.manager")
    other = client.get("/privacy/").get_data(as_text=True)
    assert demo.user("officer.futian").display_name not in other and "Nobody else has opened" in other


def test_the_trainee_does_not_log_their_own_visits(client, demo, db):
    client.login("trainee")
    client.get("/privacy/my-data.json")
    client.get("/profile")
    assert db.session.execute(sa.select(RecordAccess)).first() is None


@pytest.mark.parametrize("login", ["officer.shenzhen", "expert.shenzhen", "trainee"])
def test_only_administrators_read_the_whole_access_log(client, demo, login):
    client.login(login)
    assert client.get("/privacy/access-log").status_code == 403


def test_opening_a_report_on_a_trainee_is_logged(client, demo, db):
    trainee = demo.user("trainee")
    client.login("officer.shenzhen")
    assert client.get(f"/reports/trainees/{trainee.id}").status_code == 200
    kinds = (
        db.session.execute(sa.select(RecordAccess.kind).where(RecordAccess.subject_id == trainee.id))
        .scalars()
        .all()
    )
    assert kinds == ["records"]
