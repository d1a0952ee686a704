"""Self-assessment: filling item by item with notes and evidence, drafts, submission, review, ledger."""

from __future__ import annotations

import io

import sqlalchemy as sa

from lms.evidence.models import LedgerEntry
from lms.readiness.models import Assessment, EvidenceFile, StandardVersion
from lms.readiness.standards import all_items

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _start(client, demo, login="trainee"):
    client.login(login)
    enterprise = demo.user(login).enterprise
    response = client.submit(f"/readiness/enterprises/{enterprise.id}/assessments")
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _form(assessment, judgement="meets", **extra):
    data = {
        f"judgement-{i['code']}": judgement for i in all_items(assessment.standard.data) if not i["computed"]
    }
    data.update({"indicator-net_profit": "120", "indicator-current_ratio": "1.4"})
    data.update(extra)
    return data


def test_trainee_fills_saves_a_draft_and_submits(client, db, demo, standards):
    assessment_id = _start(client, demo)
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.standard.code == "aeo-general-2026"
    page = client.get(f"/readiness/assessments/{assessment_id}").get_data(as_text=True)
    assert "Applies today" not in page or "aeo" in page.lower()
    assert "Organisation control" in page and "Save draft" in page

    form = _form(assessment, **{"judgement-TS-03": "does_not_meet", "note-TS-03": "No seal log yet."})
    saved = client.submit(f"/readiness/assessments/{assessment_id}", {**form, "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.state == "draft"
    assert assessment.answer("TS-03").judgement == "does_not_meet"
    assert assessment.answer("TS-03").note == "No seal log yet."
    assert assessment.answer("FS-01").judgement == "meets"  # computed: two indicators met

    submitted = client.submit(
        f"/readiness/assessments/{assessment_id}", {**form, "action": "submit"}, follow_redirects=True
    )
    text = submitted.get_data(as_text=True)
    assert "does not yet meet the pass rule" in text
    assert "TS-03 is judged “Does not meet”." in text
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert (
        assessment.state == "submitted" and assessment.self_passed is False and assessment.self_total == 100
    )


def test_submitting_with_items_unjudged_is_refused(client, db, demo, standards):
    assessment_id = _start(client, demo)
    response = client.submit(
        f"/readiness/assessments/{assessment_id}",
        {"judgement-IC-01": "meets", "action": "submit"},
        follow_redirects=True,
    )
    assert "Judge every item before submitting" in response.get_data(as_text=True)
    assert db.session.get(Assessment, assessment_id).state == "draft"


def test_indicators_out_of_range_are_refused_per_field_and_nothing_is_saved(client, db, demo, standards):
    assessment_id = _start(client, demo)
    assessment = db.session.get(Assessment, assessment_id)
    form = _form(
        assessment, **{"indicator-cash_ratio": "-1", "indicator-gross_margin": "130", "action": "save"}
    )
    response = client.submit(f"/readiness/assessments/{assessment_id}", form)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Too low: the value must be at least 0." in text
    assert "Too high: the value must be at most 100." in text
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.indicators == {}
    assert assessment.answer("IC-01").judgement is None


def test_only_assessor_positions_fill(client, db, demo, standards):
    finance = demo.user("trainee.finance")
    finance.position = "other"
    db.session.commit()
    client.login("trainee.finance")
    response = client.submit(f"/readiness/enterprises/{finance.enterprise_id}/assessments")
    assert response.status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 0


def test_one_assessment_in_progress_at_a_time(client, db, demo, standards):
    _start(client, demo)
    enterprise = demo.user("trainee").enterprise
    again = client.submit(f"/readiness/enterprises/{enterprise.id}/assessments", follow_redirects=True)
    assert "already has an assessment in progress" in again.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 1


def test_evidence_is_attached_downloaded_and_checked_by_content(client, db, demo, standards):
    assessment_id = _start(client, demo)
    url = f"/readiness/assessments/{assessment_id}/items/TS-03/evidence"
    ok = client.submit(url, {"file": (io.BytesIO(PNG), "seal-log.png")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    bad = client.submit(
        url,
        {"file": (io.BytesIO(b"MZ not a document"), "tool.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "This type of file is not accepted" in bad.get_data(as_text=True)
    files = db.session.execute(sa.select(EvidenceFile)).scalars().all()
    assert [f.filename for f in files] == ["seal-log.png"]
    download = client.get(f"/readiness/evidence/{files[0].id}")
    body = download.data
    download.close()
    assert download.status_code == 200 and body == PNG
    # Another enterprise's trainee does not see it.
    other = client.application.test_client()
    other.login("trainee.futian")
    assert other.get(f"/readiness/evidence/{files[0].id}").status_code == 404


def test_officer_reviews_item_by_item_and_the_ledger_records_it(client, db, demo, standards, rd, cli):
    assessment = rd.assessment(gaps={"TS-03": "does_not_meet", "IC-03": "basically_meets"})
    client.login("officer.futian")
    url = f"/readiness/assessments/{assessment.id}/review"
    assert client.get(url).status_code == 200
    missing_reason = client.submit(url, {"review-TS-03": "basically_meets", "reason-TS-03": ""})
    assert missing_reason.status_code == 400
    assert "Give the reason for your own judgement." in missing_reason.get_data(as_text=True)
    assert db.session.get(Assessment, assessment.id).state == "submitted"
    assert db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one() == 0

    done = client.submit(
        url,
        {
            "review-TS-03": "basically_meets",
            "reason-TS-03": "Seal log started in May.",
            "review-IC-03": "agree",
        },
        follow_redirects=True,
    )
    assert "Review recorded in the evidence ledger" in done.get_data(as_text=True)
    db.session.expire_all()
    reviewed = db.session.get(Assessment, assessment.id)
    assert reviewed.state == "reviewed"
    assert reviewed.answer("TS-03").final_judgement == "basically_meets"
    assert reviewed.answer("IC-03").final_judgement == "basically_meets"
    assert reviewed.final_total == 100 and reviewed.final_passed is True  # 100 - 1 - 1 + 2 additional
    entry = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.kind == "readiness_assessment_reviewed")
    ).scalar_one()
    assert entry.subject_id == assessment.id
    assert "Seal log started in May." in entry.payload
    verify = cli.invoke(args=["evidence", "verify"])
    assert verify.exit_code == 0, verify.output
    # A reviewed assessment no longer changes.
    again = client.submit(url, {"review-TS-03": "meets", "reason-TS-03": "x"}, follow_redirects=True)
    assert "Only a submitted assessment can be reviewed." in again.get_data(as_text=True)


def test_assigned_expert_reviews_other_experts_cannot(client, db, demo, standards, rd, factory):
    assessment = rd.assessment()
    client.login("officer.futian")
    expert = demo.user("expert.shenzhen")
    assert (
        client.submit(f"/readiness/assessments/{assessment.id}/assign", {"expert_id": expert.id}).status_code
        == 302
    )
    other = client.application.test_client()
    other.login("expert.shanghai")
    assert other.get(f"/readiness/assessments/{assessment.id}/review").status_code == 404
    assigned = client.application.test_client()
    assigned.login("expert.shenzhen")
    assert assigned.get(f"/readiness/assessments/{assessment.id}/review").status_code == 200
    assert assigned.submit(f"/readiness/assessments/{assessment.id}/review", {}).status_code == 302
    assert db.session.get(Assessment, assessment.id).reviewer_id == expert.id


def test_retired_version_is_read_only_and_a_reassessment_is_new(client, db, demo, standards, rd):
    draft_id = _start(client, demo)
    version = db.session.get(Assessment, draft_id).standard
    version.superseded = True  # as after loading a changed file
    replacement = StandardVersion(
        code=version.code,
        number=2,
        title_en=version.title_en,
        title_zh=version.title_zh,
        source_file="2026.yaml",
        source_hash="x" * 64,
        data=version.data,
        effective_from=version.effective_from,
    )
    db.session.add(replacement)
    db.session.commit()
    page = client.get(f"/readiness/assessments/{draft_id}").get_data(as_text=True)
    assert "read-only" in page and "Save draft" not in page
    refused = client.submit(
        f"/readiness/assessments/{draft_id}",
        {"judgement-IC-01": "meets", "action": "save"},
        follow_redirects=True,
    )
    assert "is retired; assessments made under it are read-only" in refused.get_data(as_text=True)
    assert db.session.get(Assessment, draft_id).answer("IC-01").judgement is None
    assert db.session.get(Assessment, draft_id).standard_id == version.id  # keeps its version


def test_csrf_is_required(client, demo, standards):
    client.login("trainee")
    enterprise = demo.user("trainee").enterprise
    assert client.post(f"/readiness/enterprises/{enterprise.id}/assessments").status_code == 400
