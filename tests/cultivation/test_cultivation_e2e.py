"""Done when: a trainee applies for their enterprise; an officer screens it, ranks and confirms the key
training list; nominees train; the case is suspended and resumed; it completes; the certification outcome is
recorded and the enterprise's credit history shows it — all through the pages."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lms.cultivation.models import CultivationCase, KeyTrainingList
from lms.evidence.models import LedgerEntry
from lms.notifications.models import Notification
from lms.org.models import CreditStatusRecord


def _case_id(response) -> int:
    match = re.search(r"/cultivation/cases/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_application_to_certification(client, db, flow):
    demo = flow.demo
    today = flow.today.isoformat()
    manager, customs = demo.user("trainee.manager"), demo.user("trainee.customs")
    course = flow.course(title="AEO certification standards", lessons=2)
    db.session.commit()
    course_slug, course_id = course.slug, course.id

    # 1. The legal representative applies, naming two nominees.
    client.login("trainee")
    page = client.get("/cultivation/apply")
    assert page.status_code == 200
    assert "Zhang Min" in page.get_data(as_text=True)
    response = client.submit(
        "/cultivation/apply",
        {
            "training_type": "aeo_certification",
            "category": "applicant",
            "nominees": [str(manager.id), str(customs.id)],
            "statement": "We intend to apply for AEO status.",
        },
    )
    assert response.status_code == 302
    case_id = _case_id(response)
    assert "Submitted" in client.get(f"/cultivation/cases/{case_id}").get_data(as_text=True)
    client.submit("/logout")

    # 2. The officer of the supervising unit screens it, with the checks shown.
    client.login("officer.futian")
    page = client.get(f"/cultivation/cases/{case_id}").get_data(as_text=True)
    assert "Not discredited or seriously discredited" in page
    assert "No one-year bar" in page
    response = client.submit(f"/cultivation/cases/{case_id}/screen", {"screen-decided_on": today})
    assert response.status_code == 302
    case = db.session.get(CultivationCase, case_id)
    assert case.state == "screened" and case.eligibility["eligible"] is True

    # 3. Rank the key training list of Futian for 2026-H2 and confirm it: the case goes into training.
    futian = demo.unit("5301")
    response = client.submit("/cultivation/key-lists", {"unit_id": str(futian.id), "period": "2026-H2"})
    assert response.status_code == 302
    list_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/cultivation/key-lists/{list_id}").get_data(as_text=True)
    assert f'data-case="C-{case_id:05d}"' in page
    assert client.submit(f"/cultivation/key-lists/{list_id}/confirm").status_code == 302
    assert db.session.get(KeyTrainingList, list_id).confirmed
    assert db.session.get(CultivationCase, case_id).state == "in_training"

    # 4. The plan: one course; enrol every nominee with one button.
    response = client.submit(f"/cultivation/cases/{case_id}/plan", {"plan-course_id": str(course_id)})
    assert response.status_code == 302
    assert client.submit(f"/cultivation/cases/{case_id}/plan/enroll").status_code == 302
    page = client.get(f"/cultivation/cases/{case_id}").get_data(as_text=True)
    assert "0 of 2 lessons" in page

    # 5. Suspended for an audit, then resumed.
    response = client.submit(
        f"/cultivation/cases/{case_id}/suspend", {"suspend-reason": "audit", "suspend-suspended_on": today}
    )
    assert response.status_code == 302
    assert db.session.get(CultivationCase, case_id).state == "suspended"
    response = client.submit(f"/cultivation/cases/{case_id}/resume", {"resume-resumed_on": today})
    assert response.status_code == 302
    assert db.session.get(CultivationCase, case_id).state == "in_training"
    client.submit("/logout")

    # 6. The nominees train; the last lesson completes the last course and so the case.
    for login in ("trainee.manager", "trainee.customs"):
        client.login(login)
        for lesson in ("lesson-1", "lesson-2"):
            response = client.submit(f"/courses/{course_slug}/lessons/{lesson}/complete")
            assert response.status_code == 302
        client.submit("/logout")
    case = db.session.get(CultivationCase, case_id)
    assert case.state == "completed"
    assert case.events[-1].transition == "complete"

    # 7. The certification application and outcome.
    client.login("officer.futian")
    assert (
        client.submit(f"/cultivation/cases/{case_id}/certification", {"apply-applied_on": today}).status_code
        == 302
    )
    response = client.submit(
        f"/cultivation/cases/{case_id}/outcome",
        {"outcome-outcome": "certified", "outcome-level": "certified", "outcome-decided_on": today},
    )
    assert response.status_code == 302
    case = db.session.get(CultivationCase, case_id)
    assert case.state == "certified" and case.outcome_level == "certified"
    page = client.get(f"/cultivation/cases/{case_id}").get_data(as_text=True)
    assert "Re-review due" in page

    # 8. The enterprise's credit history shows the certification.
    record = db.session.execute(
        sa.select(CreditStatusRecord).where(
            CreditStatusRecord.enterprise_id == case.enterprise_id,
            CreditStatusRecord.source == "certification",
        )
    ).scalar_one()
    assert record.level == "certified" and record.regime == "decree_282"
    page = client.get(f"/enterprises/{case.enterprise_id}").get_data(as_text=True)
    assert f"AEO certification, cultivation case C-{case_id:05d}" in page
    # The enterprise page's cultivation panel shows the case and the five-year re-review date.
    assert "five-year re-review due" in page and f"C-{case_id:05d}" in page
    panel = page.split("five-year re-review due", 1)[1][:40]
    assert str(flow.today.year + 5) in panel

    kinds = set(db.session.execute(sa.select(LedgerEntry.kind)).scalars())
    assert {"case_transition", "key_list_confirmed", "certification_outcome"} <= kinds
    notified = set(
        db.session.execute(sa.select(Notification.kind).where(Notification.user_id == manager.id)).scalars()
    )
    assert {
        "cultivation.screened",
        "cultivation.list_confirmed",
        "cultivation.suspended",
        "cultivation.resumed",
        "cultivation.completed",
        "cultivation.outcome",
    } <= notified
