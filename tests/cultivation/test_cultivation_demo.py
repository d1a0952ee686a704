"""The demo: every state in several regions, a confirmed Shenzhen list, both flags, a certified enterprise; a
second load creates nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.cultivation import flags
from lms.cultivation.models import CASE_STATES, CaseEvent, CultivationCase, KeyTrainingList
from lms.demo import load_demo
from lms.evidence.models import LedgerEntry
from lms.org.models import CreditStatusRecord, Enterprise


def _count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.mark.slow
def test_demo_story(db, demo, client):
    load_demo(echo=lambda *_: None)
    states = dict(
        db.session.execute(
            sa.select(CultivationCase.state, sa.func.count()).group_by(CultivationCase.state)
        ).all()
    )
    assert set(states) == set(CASE_STATES)
    regions = {
        c.enterprise.unit.region().code for c in db.session.execute(sa.select(CultivationCase)).scalars()
    }
    assert regions == {"5300", "5100", "2200", "2300"}

    shenzhen = db.session.execute(
        sa.select(KeyTrainingList)
        .join(KeyTrainingList.unit)
        .where(KeyTrainingList.period == "2026-H2")
        .where(sa.text("customs_unit.code = '5300'"))
    ).scalar_one()
    assert shenzhen.confirmed

    found = {
        (f.kind, f.case.enterprise.name_en.split(" ")[0])
        for f in flags.flags_for(demo.user("officer.shenzhen"))
    }
    assert found == {("audit_overdue", "Shekou"), ("discredited", "Qianhai")}

    futian = demo.enterprise("Futian Cross-Border")
    record = db.session.execute(
        sa.select(CreditStatusRecord).where(
            CreditStatusRecord.enterprise_id == futian.id, CreditStatusRecord.source == "certification"
        )
    ).scalar_one()
    assert (record.level, str(record.decided_on)) == ("certified", "2026-11-10")
    assert db.session.get(Enterprise, futian.id).credit_level == "certified"

    counts = [_count(db, m) for m in (CultivationCase, CaseEvent, LedgerEntry, KeyTrainingList)]
    load_demo(echo=lambda *_: None)
    assert [_count(db, m) for m in (CultivationCase, CaseEvent, LedgerEntry, KeyTrainingList)] == counts

    client.login("officer.shenzhen")
    html = client.get("/").get_data(as_text=True)
    assert "Qianhai Smart Supply Chain" in html and "Terminate…" in html
