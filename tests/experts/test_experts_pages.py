"""Expert pages per role, including other people's ids; forms post with CSRF and save or explain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.experts.models import ExpertProfile, Involvement, UnavailablePeriod
from lms.sessions.models import SessionExpert
from tests.experts.conftest import future_month, local


@pytest.fixture
def people(kit, factory, world):
    day = future_month().replace(day=10)
    enterprise = factory.enterprise(world["north_a"], name_en="Northern Widgets Ltd")
    return {
        **world,
        "day": day,
        "enterprise": enterprise,
        "expert_north": kit.expert(
            world["north"],
            "regional",
            login_name="expert.n",
            name="Expert North",
            topics=["trade_security", "MRA"],
        ),
        "expert_south": kit.expert(world["south"], "regional", login_name="expert.s", name="Expert South"),
        "expert_national": kit.expert(
            world["gacc"], "national", login_name="expert.nat", name="Expert National", topics=["compliance"]
        ),
        "trainee": factory.user("trainee", enterprise=enterprise, login_name="trainee.n"),
        "session": kit.session(world["north_a"], local(day, 9), title="Northern class"),
    }


LOGINS = [
    "officer.north",
    "officer.north_a",
    "officer.south",
    "admin.gacc",
    "expert.n",
    "expert.s",
    "expert.nat",
    "trainee.n",
]

# page -> expected status per login (302: redirect, 403: role refused, 404: outside jurisdiction)
PAGES = {
    "/experts/": dict.fromkeys(LOGINS, 403)
    | {"officer.north": 200, "officer.north_a": 200, "officer.south": 200, "admin.gacc": 200},
    "/experts/me": dict.fromkeys(LOGINS, 403) | {"expert.n": 302, "expert.s": 302, "expert.nat": 302},
    "/experts/{expert_north}": {
        "officer.north": 200,
        "officer.north_a": 200,
        "officer.south": 404,
        "admin.gacc": 200,
        "expert.n": 200,
        "expert.s": 404,
        "expert.nat": 404,
        "trainee.n": 403,
    },
    "/experts/{expert_national}": {
        "officer.north": 200,
        "officer.north_a": 200,
        "officer.south": 200,
        "admin.gacc": 200,
        "expert.n": 404,
        "expert.s": 404,
        "expert.nat": 200,
        "trainee.n": 403,
    },
    "/experts/{expert_north}/edit": {
        "officer.north": 200,
        "officer.north_a": 403,
        "officer.south": 404,
        "admin.gacc": 200,
        "expert.n": 200,
        "expert.s": 404,
        "expert.nat": 404,
        "trainee.n": 403,
    },
    "/experts/{expert_national}/edit": {
        "officer.north": 403,
        "officer.north_a": 403,
        "officer.south": 403,
        "admin.gacc": 200,
        "expert.n": 404,
        "expert.s": 404,
        "expert.nat": 200,
        "trainee.n": 403,
    },
    "/experts/{expert_south}/availability": {
        "officer.north": 404,
        "officer.north_a": 404,
        "officer.south": 200,
        "admin.gacc": 200,
        "expert.n": 404,
        "expert.s": 200,
        "expert.nat": 404,
        "trainee.n": 403,
    },
    "/experts/sessions/{session}/suggestions": {
        "officer.north": 200,
        "officer.north_a": 200,
        "officer.south": 404,
        "admin.gacc": 200,
        "expert.n": 403,
        "expert.s": 403,
        "expert.nat": 403,
        "trainee.n": 403,
    },
    "/experts/appraisal": dict.fromkeys(LOGINS, 403)
    | {"officer.north": 200, "officer.north_a": 200, "officer.south": 200, "admin.gacc": 200},
    "/experts/appraisal.csv": dict.fromkeys(LOGINS, 403)
    | {"officer.north": 200, "officer.north_a": 200, "officer.south": 200, "admin.gacc": 200},
}
CASES = [(page, login, status) for page, statuses in PAGES.items() for login, status in statuses.items()]


def fill(url: str, people) -> str:
    return url.format(**{k: getattr(v, "id", v) for k, v in people.items()})


@pytest.mark.parametrize(("page", "login", "status"), CASES)
def test_page_access_per_role(client, people, page, login, status):
    client.login(login)
    assert client.get(fill(page, people)).status_code == status


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_ask_visitors_to_log_in(client, people, page):
    response = client.get(fill(page, people))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_ids_answer_404(client, people):
    client.login("admin.gacc")
    assert client.get("/experts/99999").status_code == 404
    assert client.get(f"/experts/{people['trainee'].id}").status_code == 404  # not an expert
    assert client.get("/experts/sessions/99999/suggestions").status_code == 404


def test_expert_edits_their_own_profile(client, db, people):
    expert = people["expert_north"]
    client.login("expert.n")
    response = client.submit(
        f"/experts/{expert.id}/edit",
        {
            "modules": ["internal_control", "trade_security"],
            "free_topics": "MRA， customs brokers, MRA",
            "languages": ["en", "zh_CN"],
            "max_sessions_per_month": "5",
            "bio": "Former **auditor**.",
        },
    )
    assert response.status_code == 302
    profile = db.session.execute(
        sa.select(ExpertProfile).where(ExpertProfile.user_id == expert.id)
    ).scalar_one()
    assert sorted(profile.topics) == sorted(["internal_control", "trade_security", "MRA", "customs brokers"])
    assert profile.languages == ["en", "zh_CN"] and profile.max_sessions_per_month == 5
    html = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "<strong>auditor</strong>" in html and "customs brokers" in html


def test_profile_form_refuses_bad_values(client, db, people):
    expert = people["expert_north"]
    client.login("expert.n")
    response = client.submit(f"/experts/{expert.id}/edit", {"languages": [], "max_sessions_per_month": "0"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Number must be between 1 and 100" in html
    profile = db.session.execute(
        sa.select(ExpertProfile).where(ExpertProfile.user_id == expert.id)
    ).scalar_one()
    assert profile.max_sessions_per_month == 8


def test_profile_post_without_csrf_is_refused(client, people):
    client.login("expert.n")
    response = client.post(f"/experts/{people['expert_north'].id}/edit", data={"max_sessions_per_month": "3"})
    assert response.status_code == 400


def test_officer_of_another_jurisdiction_cannot_post(client, people):
    client.login("officer.south")
    url = f"/experts/{people['expert_north'].id}/unavailability"
    assert (
        client.submit(
            url, {"confirmed": "1", "u-starts_on": "2030-01-01", "u-ends_on": "2030-01-02"}
        ).status_code
        == 404
    )


def test_unavailability_is_added_listed_and_removed(client, db, kit, people):
    expert = people["expert_north"]
    kit.assign(people["session"], expert, "lead")
    client.login("expert.n")
    day = people["day"]
    response = client.submit(
        f"/experts/{expert.id}/unavailability",
        {
            "u-starts_on": day.isoformat(),
            "u-ends_on": (day + timedelta(days=1)).isoformat(),
            "u-reason": "Conference",
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Conference" in html
    assert "Still assigned on those days: Northern class" in html
    period = db.session.execute(sa.select(UnavailablePeriod)).scalar_one()
    assert (
        client.submit(
            f"/experts/{expert.id}/unavailability/{period.id}/delete", {"confirmed": "1"}
        ).status_code
        == 302
    )
    assert db.session.execute(sa.select(UnavailablePeriod)).first() is None


def test_unavailability_with_the_end_before_the_start(client, db, people):
    client.login("expert.n")
    response = client.submit(
        f"/experts/{people['expert_north'].id}/unavailability",
        {"u-starts_on": "2030-05-10", "u-ends_on": "2030-05-01"},
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert db.session.execute(sa.select(UnavailablePeriod)).first() is None


def test_other_experts_period_cannot_be_removed(client, db, kit, people):
    period = kit.unavailable(people["expert_south"], date(2030, 1, 1), date(2030, 1, 2))
    client.login("expert.n")
    url = f"/experts/{people['expert_north'].id}/unavailability/{period.id}/delete"
    assert client.submit(url, {"confirmed": "1"}).status_code == 404
    assert db.session.get(UnavailablePeriod, period.id) is not None


def test_involvement_declared_by_customs_code_and_shown_as_conflict(client, db, kit, people):
    expert, enterprise = people["expert_north"], people["enterprise"]
    kit.register(people["session"], people["trainee"])
    kit.assign(people["session"], expert, "lead")
    client.login("officer.north")
    response = client.submit(
        f"/experts/{expert.id}/involvements",
        {
            "i-kind": "audit",
            "i-enterprise_code": enterprise.customs_code.lower(),
            "i-starts_on": (people["day"] - timedelta(days=3)).isoformat(),
            "i-note": "Regular audit",
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Northern Widgets Ltd" in html and "in progress" in html
    assert "This involvement conflicts with upcoming sessions: Northern class" in html
    involvement = db.session.execute(sa.select(Involvement)).scalar_one()
    assert (involvement.kind, involvement.enterprise_id, involvement.ends_on) == (
        "audit",
        enterprise.id,
        None,
    )


def test_involvement_with_an_unknown_enterprise(client, db, people):
    client.login("expert.n")
    response = client.submit(
        f"/experts/{people['expert_north'].id}/involvements",
        {"i-kind": "validation", "i-enterprise_code": "NOSUCHCODE", "i-starts_on": "2030-01-01"},
    )
    assert response.status_code == 400
    assert "No enterprise has this unified social credit code or customs code." in response.get_data(
        as_text=True
    )
    assert db.session.execute(sa.select(Involvement)).first() is None


def test_directory_filters(client, people):
    client.login("admin.gacc")

    def listed(query):
        html = client.get(f"/experts/?{query}").get_data(as_text=True)
        return [n for n in ("Expert North", "Expert South", "Expert National") if n in html]

    assert listed("") == ["Expert North", "Expert South", "Expert National"]
    assert listed("level=national") == ["Expert National"]
    assert listed(f"region={people['south'].id}") == ["Expert South"]
    assert listed("specialty=trade_security") == ["Expert North"]
    assert listed("specialty=mra") == ["Expert North"]
    assert listed("q=south") == ["Expert South"]


def test_directory_shows_officers_their_region_and_national_experts(client, people):
    client.login("officer.north_a")
    html = client.get("/experts/").get_data(as_text=True)
    assert "Expert North" in html and "Expert National" in html and "Expert South" not in html


def test_directory_statements_do_not_grow_with_rows(client, kit, people, count_queries):
    client.login("admin.gacc")
    client.get("/experts/")
    with count_queries() as before:
        client.get("/experts/")
    for n in range(8):
        expert = kit.expert(
            people["north_b"] if n % 2 else people["south_a"], "regional", topics=["compliance", f"t{n}"]
        )
        kit.assign(kit.session(people["north_b"], local(future_month(0).replace(day=1 + n), 9)), expert)
    with count_queries() as after:
        client.get("/experts/")
    assert after.count == before.count


def test_navigation_items(client, people):
    client.login("officer.north")
    assert 'href="/experts/"' in client.get("/").get_data(as_text=True)
    client.submit("/logout")
    client.login("expert.n")
    html = client.get("/").get_data(as_text=True)
    assert "My profile as expert" in html and 'href="/experts/"' not in html


def test_expert_dashboard_lists_upcoming_assignments(client, kit, people):
    kit.assign(people["session"], people["expert_north"], "lead")
    kit.assign(
        kit.session(people["north_a"], local(people["day"], 15), status="cancelled", title="Called off"),
        people["expert_north"],
    )
    client.login("expert.n")
    html = client.get("/").get_data(as_text=True)
    assert "My upcoming sessions as expert" in html
    assert "Northern class" in html and "Lead expert" in html and "Called off" not in html


def test_unassign_from_the_suggestion_page(client, db, kit, people):
    row = kit.assign(people["session"], people["expert_north"], "lead")
    client.login("officer.south")
    assert client.submit(f"/experts/assignments/{row.id}/unassign", {"confirmed": "1"}).status_code == 404
    client.submit("/logout")
    client.login("officer.north")
    response = client.submit(
        f"/experts/assignments/{row.id}/unassign", {"confirmed": "1", "next": "/experts/"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/experts/"
    assert db.session.execute(sa.select(SessionExpert)).first() is None


def test_assign_refuses_an_unsafe_next(client, people):
    client.login("officer.north")
    response = client.submit(
        f"/experts/sessions/{people['session'].id}/assign",
        {"expert_id": people["expert_north"].id, "role": "lead", "next": "//evil.example"},
    )
    assert response.headers["Location"].endswith(f"/experts/sessions/{people['session'].id}/suggestions")


ALLOWED_EDITORS = {
    "officer.north": 302,
    "officer.north_a": 403,
    "officer.south": 404,
    "admin.gacc": 302,
    "expert.n": 302,
    "expert.s": 404,
    "expert.nat": 404,
    "trainee.n": 403,
}
ASSIGNERS = {
    "officer.north": 302,
    "officer.north_a": 302,
    "officer.south": 404,
    "admin.gacc": 302,
    "expert.n": 403,
    "expert.s": 403,
    "expert.nat": 403,
    "trainee.n": 403,
}


def _post_cases():
    forms = {
        "edit": ("/experts/{expert_north}/edit", ALLOWED_EDITORS),
        "unavailability": ("/experts/{expert_north}/unavailability", ALLOWED_EDITORS),
        "involvement": ("/experts/{expert_north}/involvements", ALLOWED_EDITORS),
        "assign": ("/experts/sessions/{session}/assign", ASSIGNERS),
        "unassign": ("/experts/assignments/{assignment}/unassign", ASSIGNERS),
    }
    return [
        (name, url, login, status)
        for name, (url, statuses) in forms.items()
        for login, status in statuses.items()
    ]


@pytest.mark.parametrize(("action", "url", "login", "status"), _post_cases())
def test_form_posts_per_role(client, db, kit, people, action, url, login, status):
    people["assignment"] = kit.assign(
        kit.session(people["north_a"], local(people["day"], 15), title="Afternoon"), people["expert_national"]
    )
    data = {
        "edit": {"modules": ["compliance"], "languages": ["zh_CN"], "max_sessions_per_month": "4"},
        "unavailability": {"u-starts_on": "2030-01-01", "u-ends_on": "2030-01-02"},
        "involvement": {
            "i-kind": "audit",
            "i-enterprise_code": people["enterprise"].customs_code,
            "i-starts_on": "2030-01-01",
        },
        "assign": {"expert_id": people["expert_north"].id, "role": "lead"},
        "unassign": {"confirmed": "1"},
    }[action]
    client.login(login)
    assert client.submit(fill(url, people), data).status_code == status

    def state():
        return (
            db.session.execute(sa.select(sa.func.count()).select_from(UnavailablePeriod)).scalar_one(),
            db.session.execute(sa.select(sa.func.count()).select_from(Involvement)).scalar_one(),
            sorted(db.session.execute(sa.select(SessionExpert.expert_id)).scalars()),
            db.session.execute(
                sa.select(ExpertProfile.max_sessions_per_month).where(
                    ExpertProfile.user_id == people["expert_north"].id
                )
            ).scalar_one(),
        )

    untouched = (0, 0, [people["expert_national"].id], 8)
    assert (state() != untouched) == (status == 302)


def test_removing_an_expert_from_a_session_asks_first(client, db, kit, people):
    """The suggestion page's "Remove" was one click: it now leads to a confirmation, and only that removes."""
    row = kit.assign(people["session"], people["expert_north"], "lead")
    client.login("officer.north")
    page = client.get(f"/experts/sessions/{people['session'].id}/suggestions").get_data(as_text=True)
    assert f'action="/experts/assignments/{row.id}/unassign" data-confirm' in page
    asked = client.submit(f"/experts/assignments/{row.id}/unassign", {"next": "/experts/"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Remove an expert from a session" in html
    assert 'name="confirmed" value="1"' in html and 'name="next" value="/experts/"' in html
    assert db.session.execute(sa.select(SessionExpert)).first() is not None
    shown = client.get(f"/experts/assignments/{row.id}/unassign")
    assert shown.status_code == 200
    assert db.session.execute(sa.select(SessionExpert)).first() is not None
