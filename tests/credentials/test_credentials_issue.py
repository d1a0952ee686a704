"""Issuing: a credential with each certificate (same transaction), its content, the Open Badges 3.0 schema,
verification by an independent JOSE library, backfill, expiry, and the status list revocation flips."""

from __future__ import annotations

import base64
import gzip
from datetime import timedelta

import jsonschema
import pytest
import sqlalchemy as sa
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet as JoseKeySet

from lms.credentials import services
from lms.credentials.models import Credential
from lms.credentials.verify import verify_token
from lms.evidence.models import Certificate
from tests.credentials.helpers import claims_of, header_of, with_claims


def _credentials(db):
    return db.session.execute(sa.select(Credential)).scalars().all()


def test_a_credential_is_issued_with_the_certificate(db, keys, complete, demo):
    certificate = complete(title="AEO certification basics", hours="6.5")
    [credential] = _credentials(db)
    assert credential.certificate_id == certificate.id
    claims, header = claims_of(credential.jws), header_of(credential.jws)

    assert header == {"alg": "EdDSA", "kid": f"did:web:lms.test#{keys.active}", "typ": "JWT"}
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == credential.uid and credential.uid.startswith("urn:uuid:")
    assert claims["issuer"]["id"] == claims["iss"] == "did:web:lms.test"
    subject = claims["credentialSubject"]
    assert subject["id"] == claims["sub"] == credential.subject_id
    assert subject["identifier"][0]["identityHash"] == certificate.trainee_name
    assert subject["achievement"]["name"] == "AEO certification basics"
    assert "6.5 hours" in subject["achievement"]["description"]
    assert claims["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert claims["nbf"] == int(certificate.issued_at.replace(microsecond=0).timestamp())
    assert "validUntil" not in claims and "exp" not in claims  # certificates do not expire by default
    assert claims["evidence"][0]["id"] == f"http://lms.test/verify/{certificate.code}"
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(credential.status_index)
    assert status["statusListCredential"] == f"http://lms.test/credentials/status/{credential.status_list_id}"
    # The trainee's database id appears nowhere; their subject id is the same on every credential.
    assert str(demo.user("trainee").id) not in subject["id"]
    second = complete(title="Trade security")
    assert claims_of(second.credential.jws)["sub"] == subject["id"]


def test_credentials_validate_against_the_open_badges_schema(db, keys, complete, schema):
    certificate = complete()
    claims = claims_of(certificate.credential.jws)
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(claims)) == []
    # The schema has teeth: what the specification forbids is refused.
    broken = {**claims, "credentialSubject": {**claims["credentialSubject"], "favouriteColour": "blue"}}
    assert not validator.is_valid(broken)
    assert not validator.is_valid({k: v for k, v in claims.items() if k != "validFrom"})
    assert not validator.is_valid({**claims, "validFrom": "yesterday"})
    assert not validator.is_valid({**claims, "@context": list(reversed(claims["@context"]))})


# joserfc warns that RFC 9864 deprecates the polymorphic "EdDSA" name in favour of "Ed25519"; Open Badges 3.0
# and VC-JOSE-COSE verifiers expect "EdDSA" today (docs/credentials.md).
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_an_independent_jose_library_verifies_the_credential_and_the_status_list(db, keys, complete, client):
    certificate = complete()
    token = certificate.credential.jws
    published = JoseKeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())

    decoded = jose_jwt.decode(token, published, algorithms=["EdDSA"])
    assert decoded.header["kid"] == f"did:web:lms.test#{keys.active}"
    assert decoded.claims["credentialSubject"]["achievement"]["name"] == certificate.course_title

    status_token = client.get("/credentials/status/1").get_data(as_text=True)
    status = jose_jwt.decode(status_token, published, algorithms=["EdDSA"]).claims
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]

    with pytest.raises(BadSignatureError):
        jose_jwt.decode(with_claims(token, name="Something else"), published, algorithms=["EdDSA"])


def _bit(encoded: str, index: int) -> bool:
    """The bit, decoded here by hand from the specification (multibase 'u', base64url, GZIP, left-most first)."""
    assert encoded.startswith("u")
    data = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(data) == 16 * 1024  # the specification's minimum list size
    return bool(data[index // 8] >> (7 - index % 8) & 1)


def test_revoking_the_certificate_on_its_page_flips_its_bit(db, keys, complete, client, demo):
    certificate = complete()
    other = complete(login="trainee.manager", title="Trade security")
    index, other_index = certificate.credential.status_index, other.credential.status_index
    before = client.get("/credentials/status/1")
    assert before.status_code == 200 and before.mimetype == "application/vc+jwt"
    list_claims = claims_of(before.get_data(as_text=True))
    assert list_claims["id"] == "http://lms.test/credentials/status/1"
    assert not _bit(list_claims["credentialSubject"]["encodedList"], index)

    client.login("officer.shenzhen")
    response = client.submit(
        f"/evidence/certificates/{certificate.id}/revoke", {"confirmed": "1", "reason": "Attendance forged"}
    )
    assert response.status_code == 302

    after = client.get("/credentials/status/1", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the list changed, so the old copy is stale
    encoded = claims_of(after.get_data(as_text=True))["credentialSubject"]["encodedList"]
    assert _bit(encoded, index) and not _bit(encoded, other_index)
    assert claims_of(after.get_data(as_text=True))["validFrom"] >= list_claims["validFrom"]
    # Unchanged state: the same signed bytes, so caches can keep it.
    again = client.get("/credentials/status/1", headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


def test_without_a_signing_key_the_certificate_is_issued_and_backfill_adds_the_credential(
    db, key_dir, complete, cli, client
):
    certificate = complete()
    assert certificate.id is not None and _credentials(db) == []
    refused = cli.invoke(args=["credentials", "backfill"])
    assert refused.exit_code == 1 and "credentials keygen" in refused.output

    assert cli.invoke(args=["credentials", "keygen"]).exit_code == 0
    revoked = complete(login="trainee.manager", title="Trade security")
    revoked_credential = revoked.credential
    db.session.delete(revoked_credential)  # as if issued before the key existed, and revoked since
    revoked.revoked_at, revoked.revoke_reason = revoked.issued_at, "test"
    db.session.commit()

    result = cli.invoke(args=["credentials", "backfill"])
    assert result.exit_code == 0 and "1 credential(s) issued" in result.output
    db.session.expire_all()
    assert [c.certificate_id for c in _credentials(db)] == [certificate.id]  # revoked ones get none
    assert cli.invoke(args=["credentials", "backfill"]).output.strip() == "0 credential(s) issued."
    report = services.verify_here(db.session.get(Certificate, certificate.id).credential.jws)
    assert report.ok and report.complete


def test_development_makes_a_key_on_first_issue(db, key_dir, complete, app, monkeypatch):
    monkeypatch.setitem(app.config, "CREDENTIALS_AUTO_KEYGEN", True)
    certificate = complete()
    assert certificate.credential is not None
    assert sorted(p.suffix for p in key_dir.iterdir() if not p.name.startswith(".")) == [".json", ".pem"]


def test_expiry_setting_gives_a_valid_until_date(db, keys, complete, app, monkeypatch):
    monkeypatch.setitem(app.config, "CREDENTIALS_VALID_DAYS", 365)
    certificate = complete()
    claims = claims_of(certificate.credential.jws)
    valid_from = certificate.issued_at.replace(microsecond=0)
    assert claims["validUntil"] == (valid_from + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert claims["exp"] == int((valid_from + timedelta(days=365)).timestamp())
    keyset = services.trusted_keys()
    fresh = verify_token(certificate.credential.jws, keyset, expected_issuer=services.issuer_did())
    assert fresh.check("validity").outcome == "passed"
    late = verify_token(
        certificate.credential.jws,
        keyset,
        expected_issuer=services.issuer_did(),
        now=valid_from + timedelta(days=366),
    )
    assert late.check("validity").outcome == "failed" and "expired" in late.check("validity").message


def test_a_certificate_gets_one_credential_and_indexes_do_not_collide(db, keys, complete):
    certificates = [complete(title=f"Course {n}") for n in range(6)]
    for certificate in certificates:
        assert services.issue_credential(certificate).id == certificate.credential.id
    rows = _credentials(db)
    assert len(rows) == 6
    assert len({(row.status_list_id, row.status_index) for row in rows}) == 6


def test_a_taken_index_is_drawn_again_and_a_crowded_list_is_closed(db, keys, complete, monkeypatch):
    draws = iter([5, 5, 7] + [7] * services.DRAWS_BEFORE_FULL + [3])
    monkeypatch.setattr(services.secrets, "randbelow", lambda _size: next(draws))
    first, second = complete(title="One").credential, complete(title="Two").credential
    assert (first.status_list_id, first.status_index) == (1, 5)
    assert (second.status_list_id, second.status_index) == (1, 7)  # 5 was taken: drawn again
    third = complete(title="Three").credential  # every draw hits 7: the list counts as full
    assert (third.status_list_id, third.status_index) == (2, 3)
    assert (
        claims_of(third.jws)["credentialStatus"]["statusListCredential"]
        == "http://lms.test/credentials/status/2"
    )
    assert services.verify_here(third.jws).ok
