"""The credential on the certificate page (per role), the public share page and downloads, the PDF, the DID
document and key set, and key generation and rotation."""

from __future__ import annotations

import io
import json
import stat

import pytest
from PIL import Image

from lms.config import PROJECT_ROOT, Config, ProductionConfig
from lms.credentials import baking, services
from lms.credentials.keys import site_did
from tests.credentials.helpers import claims_of, header_of, pdf_text

SEES_CERTIFICATE = {
    "trainee": True,
    "trainee.manager": False,
    "trainee.shanghai": False,
    "expert.shenzhen": False,
    "officer.shenzhen": True,
    "officer.futian": True,
    "officer.guangzhou": False,
    "admin": True,
}


@pytest.fixture
def credential(db, keys, complete):
    return complete().credential


@pytest.mark.parametrize("login", sorted(SEES_CERTIFICATE))
def test_the_certificate_page_shows_the_credential_to_those_who_see_the_certificate(
    client, credential, login
):
    client.login(login)
    response = client.get(f"/evidence/certificates/{credential.certificate_id}")
    html = response.get_data(as_text=True)
    if SEES_CERTIFICATE[login]:
        assert response.status_code == 200
        assert credential.uid in html
        assert f"/verify/credential/{credential.share_token}" in html
        assert f"/verify/credential/{credential.share_token}/badge.png" in html
    else:
        assert response.status_code == 404
        assert credential.share_token not in html


def test_the_page_says_when_the_credential_is_not_issued_yet(client, db, key_dir, complete):
    certificate = complete()
    client.login("trainee")
    html = client.get(f"/evidence/certificates/{certificate.id}").get_data(as_text=True)
    assert "has not been issued yet" in html and "signing key" in html
    assert "/verify/credential/" not in html


def test_the_share_page_is_public_and_checks_the_credential(client, credential):
    response = client.get(f"/verify/credential/{credential.share_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid credential" in html and html.count('class="check-passed"') == 4
    assert credential.certificate.course_title in html

    client.login("officer.futian")
    client.submit(
        f"/evidence/certificates/{credential.certificate_id}/revoke",
        {"confirmed": "1", "reason": "Withdrawn"},
    )
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    html = client.get(f"/verify/credential/{credential.share_token}").get_data(as_text=True)
    assert "Not valid" in html and 'check-failed" data-check="status"' in html


@pytest.mark.parametrize("token", ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "%00", "x" * 300])
def test_unknown_share_tokens_are_404(client, credential, token):
    for suffix in ("", "/credential.json", "/credential.jwt", "/badge.png"):
        assert client.get(f"/verify/credential/{token}{suffix}").status_code == 404


def test_downloads(client, credential):
    base = f"/verify/credential/{credential.share_token}"
    document = client.get(f"{base}/credential.json")
    assert document.status_code == 200 and document.mimetype == "application/json"
    assert credential.certificate.code in document.headers["Content-Disposition"]
    assert document.get_json() == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:application/vc+jwt,{credential.jws}",
        "type": "EnvelopedVerifiableCredential",
    }
    token = client.get(f"{base}/credential.jwt")
    assert token.mimetype == "application/vc+jwt" and token.get_data(as_text=True) == credential.jws
    badge = client.get(f"{base}/badge.png")
    assert badge.mimetype == "image/png"
    assert baking.extract(badge.data) == credential.jws
    with Image.open(io.BytesIO(badge.data)) as image:
        image.load()
        assert image.format == "PNG"


def test_the_pdf_carries_the_qr_link_and_the_credential_id(client, credential):
    client.login("trainee")
    response = client.get(f"/evidence/certificates/{credential.certificate_id}/certificate.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert credential.uid in text
    assert f"http://lms.test/verify/{credential.certificate.code}" in text


# -- keys ----------------------------------------------------------------------------------------------------


def test_did_document_and_jwks_publish_the_keys(client, keys):
    did = client.get("/.well-known/did.json")
    assert did.status_code == 200 and did.mimetype == "application/json"
    document = did.get_json()
    kid = f"did:web:lms.test#{keys.active}"
    assert document["id"] == "did:web:lms.test"
    assert [method["id"] for method in document["verificationMethod"]] == [kid]
    assert document["assertionMethod"] == [kid]
    assert "d" not in document["verificationMethod"][0]["publicKeyJwk"]  # never the private key
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert [(key["kid"], key["alg"], "d" in key) for key in jwks["keys"]] == [(kid, "EdDSA", False)]


@pytest.mark.parametrize(
    "url, did",
    [
        ("https://lms.customs.example.cn", "did:web:lms.customs.example.cn"),
        ("https://lms.customs.example.cn/", "did:web:lms.customs.example.cn"),
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000"),
        ("https://example.cn/aeo/lms", "did:web:example.cn:aeo:lms"),
    ],
)
def test_the_site_url_decides_the_did(url, did):
    assert site_did(url) == did


def test_keygen_makes_a_private_key_outside_the_repository(cli, key_dir):
    result = cli.invoke(args=["credentials", "keygen"])
    assert result.exit_code == 0 and "did:web:lms.test#key-" in result.output
    [pem] = key_dir.glob("*.pem")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in pem.read_bytes()
    again = cli.invoke(args=["credentials", "keygen"])
    assert again.exit_code == 1 and "credentials rotate" in again.output
    assert cli.invoke(args=["credentials", "keygen", "--if-missing"]).exit_code == 0
    assert list(key_dir.glob("*.pem")) == [pem]
    # The default directory is under instance/, which git ignores; production never makes keys by itself.
    assert Config.CREDENTIALS_KEY_DIR.startswith(str(PROJECT_ROOT / "instance"))
    assert "instance/" in (PROJECT_ROOT / ".gitignore").read_text().split()
    assert ProductionConfig.CREDENTIALS_AUTO_KEYGEN is False


def test_rotation_keeps_old_credentials_verifiable(cli, client, db, keys, complete, key_dir):
    old = complete(title="Before rotation").credential
    old_kid = header_of(old.jws)["kid"]
    result = cli.invoke(args=["credentials", "rotate"])
    assert result.exit_code == 0 and f"Retired (still published, no longer signs): {old_kid}" in result.output
    assert not (key_dir / f"{keys.active}.pem").exists()  # the old private key is gone

    new = complete(title="After rotation").credential
    new_kid = header_of(new.jws)["kid"]
    assert new_kid != old_kid
    published = [
        method["id"] for method in client.get("/.well-known/did.json").get_json()["verificationMethod"]
    ]
    assert published == [old_kid, new_kid]
    for credential in (old, new):
        report = services.verify_here(credential.jws)
        assert report.ok and report.complete, report.checks
    # The status list is signed with the new key and still verifies.
    status_token = client.get("/credentials/status/1").get_data(as_text=True)
    assert header_of(status_token)["kid"] == new_kid
    assert claims_of(status_token)["issuer"] == "did:web:lms.test"

    keys_file = key_dir.parent / "did.json"
    keys_file.write_text(json.dumps(client.get("/.well-known/did.json").get_json()))
    old_file = key_dir.parent / "old.jwt"
    old_file.write_text(old.jws)
    offline = cli.invoke(args=["credentials", "verify", str(old_file), "--keys", str(keys_file)])
    assert offline.exit_code == 0, offline.output


def test_rotate_without_keys_is_refused(cli, key_dir):
    result = cli.invoke(args=["credentials", "rotate"])
    assert result.exit_code == 1 and "credentials keygen" in result.output


def test_status_list_of_an_unknown_list_is_404_and_without_keys_503(client, db, key_dir, complete, cli):
    assert client.get("/credentials/status/1").status_code == 404
    assert client.get("/credentials/status/99999999999").status_code == 404
    cli.invoke(args=["credentials", "keygen"])
    complete()
    for path in key_dir.glob("*.pem"):
        path.unlink()  # the operator lost the private key
    response = client.get("/credentials/status/1", headers={"Accept": "application/json"})
    assert response.status_code == 503 and "no signing key" in response.get_json()["reason"]
