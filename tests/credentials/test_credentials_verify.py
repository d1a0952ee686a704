"""Verifying: the public page (pasted or uploaded credential, JSON, JWT or baked PNG) and the offline command
say which check failed for a tampered, expired, revoked or foreign-signed credential."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import baking, services
from tests.credentials.helpers import claims_of, resign, with_claims


@pytest.fixture
def credential(db, keys, complete):
    return complete().credential


def _enveloped(token: str) -> str:
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": f"data:application/vc+jwt,{token}",
            "type": "EnvelopedVerifiableCredential",
        }
    )


def _check_page(client, *, text=None, upload=None):
    data = {"credential": text or ""}
    if upload is not None:
        data["file"] = (io.BytesIO(upload), "credential.bin")
    return client.submit("/verify/credential", data, content_type="multipart/form-data")


def _failed_checks(html: str) -> list[str]:
    return [
        name
        for name in ("signature", "issuer", "validity", "status")
        if f'check-failed" data-check="{name}' in html
    ]


# -- the page ------------------------------------------------------------------------------------------------


def test_the_form_is_public(client, credential):
    response = client.get("/verify/credential")
    assert response.status_code == 200
    assert 'name="credential"' in response.get_data(as_text=True)
    assert 'type="file"' in response.get_data(as_text=True)


@pytest.mark.parametrize("form", ["enveloped-json", "jwt", "png-upload", "json-upload"])
def test_a_genuine_credential_passes_every_check(client, credential, form):
    token = credential.jws
    if form == "enveloped-json":
        response = _check_page(client, text=_enveloped(token))
    elif form == "jwt":
        response = _check_page(client, text=token)
    elif form == "png-upload":
        response = _check_page(client, upload=services.baked_badge(credential))
    else:
        response = _check_page(client, upload=_enveloped(token).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid credential" in html
    assert _failed_checks(html) == []
    assert html.count('class="check-passed"') == 4
    assert credential.certificate.trainee_name in html and credential.uid in html


def test_a_tampered_credential_fails_the_signature(client, credential):
    claims = claims_of(credential.jws)
    subject = {
        **claims["credentialSubject"],
        "identifier": [{**claims["credentialSubject"]["identifier"][0], "identityHash": "Someone Else"}],
    }
    response = _check_page(client, text=with_claims(credential.jws, credentialSubject=subject))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not valid" in html
    assert _failed_checks(html) == ["signature"]
    assert "changed after it was signed" in html


def test_a_credential_signed_with_a_foreign_key_fails_the_signature(client, credential):
    # Same claims and key id, someone else's key.
    html = _check_page(client, text=resign(credential.jws)).get_data(as_text=True)
    assert _failed_checks(html) == ["signature"]
    assert "not signed with the issuer&#39;s key" in html
    # A key id the issuer never published.
    html = _check_page(client, text=resign(credential.jws, kid="did:web:lms.test#key-other")).get_data(
        as_text=True
    )
    assert _failed_checks(html) == ["signature"]
    assert "not one of the issuer&#39;s published keys (did:web:lms.test#key-other)" in html


def test_a_credential_of_another_issuer_fails_signature_and_issuer(client, credential):
    forged = resign(
        credential.jws,
        kid="did:web:fake.example#key-1",
        iss="did:web:fake.example",
        issuer={"id": "did:web:fake.example", "type": ["Profile"]},
    )
    html = _check_page(client, text=forged).get_data(as_text=True)
    assert _failed_checks(html) == ["signature", "issuer"]
    assert "not by the training center" in html


def test_an_expired_credential_fails_the_validity_period(client, credential, app, keys):
    claims = claims_of(credential.jws)
    expired = services.sign(
        {**claims, "validUntil": "2020-01-01T00:00:00Z", "exp": 1577836800}, keys, services.issuer_did()
    )
    html = _check_page(client, text=expired).get_data(as_text=True)
    assert _failed_checks(html) == ["validity"]
    assert "expired on" in html


def test_a_revoked_credential_fails_the_status(client, credential, db):
    client.login("officer.futian")
    assert (
        client.submit(
            f"/evidence/certificates/{credential.certificate_id}/revoke",
            {"confirmed": "1", "reason": "Issued in error"},
        ).status_code
        == 302
    )
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    html = _check_page(client, text=credential.jws).get_data(as_text=True)
    assert _failed_checks(html) == ["status"]
    assert "has been revoked" in html


@pytest.mark.parametrize(
    "text, upload, message",
    [
        ("", None, "Paste a credential or choose a file."),
        ("hello", None, "neither a credential"),
        ("{not json", None, "not valid JSON"),
        ('{"type": ["VerifiableCredential"], "credentialSubject": {}}', None, "not signed"),
        ("eyJhbGciOiJub25lIn0.eyJ0eXBlIjoiWCJ9.c2ln", None, "does not hold an Open Badges credential"),
        (None, b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "carries no readable credential"),
        (None, b"\x00\x01binary", "neither a credential"),
    ],
)
def test_unreadable_input_gets_a_clear_message(client, credential, text, upload, message):
    response = _check_page(client, text=text, upload=upload)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_png_without_a_credential_is_refused(client, credential, app):
    from pathlib import Path

    plain = (Path(app.static_folder) / services.BADGE_IMAGE).read_bytes()
    response = _check_page(client, upload=plain)
    assert response.status_code == 400
    assert "carries no Open Badges credential" in response.get_data(as_text=True)


def test_posting_without_the_csrf_token_is_refused(client, credential):
    response = client.post("/verify/credential", data={"credential": credential.jws})
    assert response.status_code == 400
    assert "Valid credential" not in response.get_data(as_text=True)


def test_the_page_answers_in_chinese(client, credential):
    client.submit("/language", {"language": "zh_CN", "next": "/"})
    html = _check_page(client, text=with_claims(credential.jws, name="x")).get_data(as_text=True)
    assert "签名" in html and "Signature" not in html


# -- the offline command -------------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, cli, credential):
    keys_file = tmp_path / "did.json"
    assert cli.invoke(args=["credentials", "public-keys", "-o", str(keys_file)]).exit_code == 0

    def write(name: str, data: bytes | str):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return str(path)

    return keys_file, write


def test_offline_verification_of_a_genuine_credential(cli, files, credential):
    keys_file, write = files
    for name, data in (
        ("c.json", _enveloped(credential.jws)),
        ("c.jwt", credential.jws),
        ("badge.png", services.baked_badge(credential)),
    ):
        result = cli.invoke(args=["credentials", "verify", write(name, data), "--keys", str(keys_file)])
        assert result.exit_code == 0, result.output
        assert "[ok] Signature" in result.output and "[ok] Issuer" in result.output
        assert "[skipped] Revocation status: Not checked offline" in result.output
        assert "Result: VALID (some checks were not made)" in result.output


def test_offline_verification_with_the_status_list_finds_the_revocation(
    cli, files, credential, client, tmp_path
):
    keys_file, write = files
    credential_file = write("c.json", _enveloped(credential.jws))
    list_file = tmp_path / "status.jwt"
    assert cli.invoke(args=["credentials", "status-list", "1", "-o", str(list_file)]).exit_code == 0
    good = cli.invoke(
        args=[
            "credentials",
            "verify",
            credential_file,
            "--keys",
            str(keys_file),
            "--status-list",
            str(list_file),
        ]
    )
    assert (
        good.exit_code == 0 and "Result: VALID\n" in good.output and "[ok] Revocation status" in good.output
    )

    client.login("admin")
    client.submit(
        f"/evidence/certificates/{credential.certificate_id}/revoke",
        {"confirmed": "1", "reason": "Withdrawn"},
    )
    list_file.write_text(client.get("/credentials/status/1").get_data(as_text=True))  # downloaded again
    bad = cli.invoke(
        args=[
            "credentials",
            "verify",
            credential_file,
            "--keys",
            str(keys_file),
            "--status-list",
            str(list_file),
        ]
    )
    assert bad.exit_code == 1
    assert "[FAILED] Revocation status: The credential has been revoked" in bad.output
    assert "Result: NOT VALID (revocation status)" in bad.output


def test_offline_verification_names_the_failed_check(cli, files, credential, keys):
    keys_file, write = files
    cases = {
        "signature": with_claims(credential.jws, name="Edited"),
        "issuer": resign(
            credential.jws,
            kid="did:web:fake.example#key-1",
            iss="did:web:fake.example",
            issuer={"id": "did:web:fake.example", "type": ["Profile"]},
        ),
        "validity": services.sign(
            {**claims_of(credential.jws), "validUntil": "2020-01-01T00:00:00Z", "exp": 1577836800},
            keys,
            services.issuer_did(),
        ),
    }
    expected = {"signature": "signature", "issuer": "signature, issuer", "validity": "validity period"}
    for failed, token in cases.items():
        result = cli.invoke(
            args=["credentials", "verify", write(f"{failed}.jwt", token), "--keys", str(keys_file)]
        )
        assert result.exit_code == 1
        assert f"Result: NOT VALID ({expected[failed]})" in result.output
    forged = resign(credential.jws, key=Ed25519PrivateKey.generate())
    result = cli.invoke(args=["credentials", "verify", write("forged.jwt", forged), "--keys", str(keys_file)])
    assert result.exit_code == 1 and "[FAILED] Signature" in result.output


def test_a_forged_status_list_is_not_believed(cli, files, credential, tmp_path):
    keys_file, write = files
    forged_list = resign(
        services.status_list_jws(credential.status_list)
    )  # right content, someone else's key
    result = cli.invoke(
        args=[
            "credentials",
            "verify",
            write("c.jwt", credential.jws),
            "--keys",
            str(keys_file),
            "--status-list",
            write("list.jwt", forged_list),
        ]
    )
    assert result.exit_code == 1
    assert "The status list is not signed by the issuer" in result.output


def test_offline_verification_refuses_bad_files(cli, files, credential, tmp_path):
    keys_file, write = files
    bad_keys = write("keys.json", "{}")
    result = cli.invoke(args=["credentials", "verify", write("c.jwt", credential.jws), "--keys", bad_keys])
    assert result.exit_code == 1 and "cannot read the keys file" in result.output
    result = cli.invoke(args=["credentials", "verify", write("n.txt", "nothing"), "--keys", str(keys_file)])
    assert result.exit_code == 1 and "Cannot read the credential" in result.output


def test_baking_round_trip_keeps_the_image():
    from pathlib import Path

    from PIL import Image

    from lms.config import PROJECT_ROOT

    plain = (Path(PROJECT_ROOT) / "static" / services.BADGE_IMAGE).read_bytes()
    baked = baking.bake(plain, "a.b.c")
    assert baking.extract(baked) == "a.b.c"
    assert baking.extract(baking.bake(baked, "d.e.f")) == "d.e.f"  # baked again: one credential, the new one
    with Image.open(io.BytesIO(baked)) as image:
        image.load()
        assert image.size == (512, 512) and image.text["openbadgecredential"] == "a.b.c"
