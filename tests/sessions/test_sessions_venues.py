"""Venues: officers manage their jurisdiction's rooms; capacity rules hold for upcoming sessions."""

from __future__ import annotations

import sqlalchemy as sa

from lms.sessions.models import Venue


def _data(unit, **values):
    data = {
        "name_en": "Futian training room",
        "name_zh": "福田培训室",
        "address": "Futian District, Shenzhen",
        "capacity": "25",
        "unit_id": unit.id,
        "active": "y",
    }
    data.update(values)
    return data


def test_officer_creates_and_edits_a_venue(client, demo, db):
    client.login("officer.futian")
    response = client.submit("/sessions/venues/new", _data(demo.unit("5301")))
    assert response.status_code == 302
    venue = db.session.execute(sa.select(Venue)).scalar_one()
    assert venue.unit_id == demo.unit("5301").id and venue.capacity == 25
    response = client.submit(f"/sessions/venues/{venue.id}/edit", _data(demo.unit("5301"), capacity="30"))
    assert response.status_code == 302
    db.session.expire_all()
    assert venue.capacity == 30
    assert "Futian training room" in client.get("/sessions/venues/").get_data(as_text=True)


def test_venue_outside_the_jurisdiction_is_refused(client, demo, db):
    client.login("officer.futian")
    html = client.submit("/sessions/venues/new", _data(demo.unit("5300"))).get_data(as_text=True)
    assert "This customs unit is outside your jurisdiction." in html
    assert db.session.execute(sa.select(sa.func.count(Venue.id))).scalar_one() == 0


def test_room_cannot_shrink_below_an_upcoming_sessions_capacity(client, demo, kit, db):
    unit = demo.unit("5300")
    venue = kit.venue(unit, capacity=40)
    kit.session(kit.course(), unit, capacity=35, venue=venue)
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.submit(
        f"/sessions/venues/{venue.id}/edit", _data(unit, name_en=venue.name_en, capacity="30")
    ).get_data(as_text=True)
    assert "1 upcoming sessions at this venue have more seats than 30" in html
    db.session.expire_all()
    assert venue.capacity == 40


def test_local_officer_uses_parent_units_venues(client, demo, kit, db):
    base = kit.venue(demo.unit("5300"), capacity=120, name_en="China Customs AEO Training Base (Shenzhen)")
    db.session.commit()
    client.login("officer.futian")
    assert "China Customs AEO Training Base (Shenzhen)" in client.get("/sessions/new").get_data(as_text=True)
    assert client.get(f"/sessions/venues/{base.id}/edit").status_code == 404
