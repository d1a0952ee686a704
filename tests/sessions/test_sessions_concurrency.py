"""No overbooking when many register at the same moment, on the real database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.extensions import db as _db
from lms.notifications.models import Notification
from lms.sessions import services
from lms.sessions.models import Registration, TrainingSession
from tests.support.race import race

pytestmark = pytest.mark.slow
THREADS = 30


def test_thirty_trainees_for_twenty_seats(wide_app, demo, factory, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=20)
    enterprise = demo.enterprise("Pengcheng Precision")
    trainee_ids = [factory.user("trainee", enterprise=enterprise).id for _ in range(THREADS)]
    session_id = session.id
    db.session.commit()

    def register(user_id):
        trainee = _db.session.get(User, user_id)
        target = _db.session.get(TrainingSession, session_id)
        services.register_trainee(trainee, target, trainee)
        _db.session.commit()

    errors = race(wide_app, register, [(uid,) for uid in trainee_ids], commit=False).errors
    assert errors == []

    db.session.expire_all()
    session = db.session.get(TrainingSession, session_id)
    statuses = [
        r.status
        for r in db.session.execute(
            sa.select(Registration).where(Registration.session_id == session_id)
        ).scalars()
    ]
    assert statuses.count("confirmed") == 20
    assert statuses.count("waitlisted") == 10
    assert session.seats_taken == 20 and session.status == "full"

    # A cancellation promotes the first on the waitlist (in the order they joined it), and tells them.
    waitlist = (
        db.session.execute(
            sa.select(Registration)
            .where(Registration.session_id == session_id, Registration.status == "waitlisted")
            .order_by(Registration.waitlisted_at, Registration.id)
        )
        .scalars()
        .all()
    )
    confirmed = (
        db.session.execute(
            sa.select(Registration).where(
                Registration.session_id == session_id, Registration.status == "confirmed"
            )
        )
        .scalars()
        .first()
    )
    services.cancel_registration(confirmed.user, confirmed)
    db.session.commit()
    db.session.expire_all()
    assert waitlist[0].status == "confirmed"
    assert all(r.status == "waitlisted" for r in waitlist[1:])
    assert db.session.execute(
        sa.select(Notification.kind)
        .where(Notification.user_id == waitlist[0].user_id)
        .order_by(Notification.id)
    ).scalars().all() == ["session_waitlisted", "session_promoted"]
    assert db.session.get(TrainingSession, session_id).seats_taken == 20


def test_parallel_cancellations_promote_each_waitlisted_once(wide_app, demo, factory, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=5)
    enterprise = demo.enterprise("Pengcheng Precision")
    users = [factory.user("trainee", enterprise=enterprise) for _ in range(10)]
    regs = [services.register_trainee(u, session, u) for u in users]
    session_id = session.id
    db.session.flush()
    to_cancel = [r.id for r in regs[:5]]
    db.session.commit()  # nothing may be read after this line until the threads are done (SQLite write lock)

    def cancel(registration_id):
        registration = _db.session.get(Registration, registration_id)
        services.cancel_registration(registration.user, registration)
        _db.session.commit()

    errors = race(wide_app, cancel, [(rid,) for rid in to_cancel], commit=False).errors
    assert errors == []
    db.session.expire_all()
    assert [r.status for r in regs] == ["cancelled"] * 5 + ["confirmed"] * 5
    assert db.session.get(TrainingSession, session_id).seats_taken == 5


def test_the_same_trainee_twice_at_once_gets_one_seat(wide_app, demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=5)
    trainee_id = demo.user("trainee").id
    session_id = session.id
    db.session.commit()

    def register():
        trainee = _db.session.get(User, trainee_id)
        services.register_trainee(trainee, _db.session.get(TrainingSession, session_id), trainee)
        _db.session.commit()

    errors = race(wide_app, register, [() for _ in range(4)], commit=False).errors
    assert all(isinstance(e, services.RuleViolation) for e in errors), [repr(e)[:3000] for e in errors]
    assert all(isinstance(e, services.RuleViolation) for e in errors) and len(errors) == 3
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id).seats_taken == 1
    assert db.session.execute(sa.select(sa.func.count(Registration.id))).scalar_one() == 1


def test_the_database_refuses_overbooking_even_without_the_service(demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=1)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(TrainingSession).where(TrainingSession.id == session.id).values(seats_taken=2)
        )
        db.session.flush()
    db.session.rollback()
