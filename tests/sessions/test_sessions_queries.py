"""The list pages send the same number of statements whatever the number of rows."""

from __future__ import annotations

import pytest

from lms.sessions import services


def _add_sessions(demo, kit, count: int):
    course = kit.course()
    trainee = demo.user("trainee")
    for n in range(count):
        session = kit.session(
            course, demo.unit("5300" if n % 2 else "5301"), capacity=5, title=f"S{n}", mode="in_class"
        )
        services.register_trainee(trainee, session, trainee)
        kit.assign(session, demo.user("expert.shenzhen"))


@pytest.mark.parametrize(
    "login, url",
    [
        ("trainee", "/sessions/"),
        ("officer.shenzhen", "/sessions/"),
        ("admin", "/sessions/?when=all"),
        ("expert.shenzhen", "/sessions/"),
        ("trainee", "/sessions/calendar"),
        ("expert.shenzhen", "/sessions/feedback"),
        ("officer.shenzhen", "/sessions/venues/"),
    ],
)
def test_statement_count_does_not_grow_with_rows(client, demo, kit, db, count_queries, login, url):
    _add_sessions(demo, kit, 2)
    db.session.commit()
    client.login(login)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_sessions(demo, kit, 12)
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, many.statements[few.count :]
