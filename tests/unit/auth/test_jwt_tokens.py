"""Per-student JWTs: which tokens are accepted, what they map to, and why others are not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byosc.auth.jwt_tokens import JwtVerifier, TokenRefused, looks_like_jwt
from byosc.settings import JwtSettings

SECRET = "unit-test-lms-shared-secret-of-32-bytes-or-more"
ISSUER = "https://lms.example.edu"


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "student-42",
        "aud": "byosc",
        "iss": ISSUER,
        "exp": int(time.time()) + 300,
        "courses": ["alpha"],
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def hs256(**changes: Any) -> str:
    return jwt.encode(claims(**changes), SECRET, algorithm="HS256")


@pytest.fixture
def verifier() -> JwtVerifier:
    return JwtVerifier(JwtSettings(enabled=True, secret=SECRET, issuer=ISSUER, leeway_s=30))


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def public_pem(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> Path:
    path = tmp_path / "lms.pub.pem"
    path.write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
def rs256_verifier(public_pem: Path) -> JwtVerifier:
    settings = JwtSettings(enabled=True, algorithm="RS256", public_key_path=public_pem)
    return JwtVerifier(settings)


def refusal(verifier: JwtVerifier, token: str) -> str:
    with pytest.raises(TokenRefused) as refused:
        verifier.verify(token)
    return refused.value.reason


def test_an_hs256_student_token_maps_to_a_client_key_on_its_courses(
    verifier: JwtVerifier,
) -> None:
    key = verifier.verify(hs256(courses=["beta", "alpha", "beta"]))
    assert (key.id, key.name, key.role) == ("jwt:student-42", "student-42", "client")
    assert key.courses == ["alpha", "beta"]


def test_an_instructor_role_is_kept_and_no_courses_claim_means_no_course(
    verifier: JwtVerifier,
) -> None:
    key = verifier.verify(hs256(role="instructor", courses=None, sub="prof-7"))
    assert (key.id, key.role, key.courses) == ("jwt:prof-7", "instructor", [])


def test_an_rs256_token_signed_with_the_lms_private_key_is_accepted(
    rs256_verifier: JwtVerifier, rsa_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(claims(role="instructor", iss=None), rsa_key, algorithm="RS256")
    key = rs256_verifier.verify(token)
    assert (key.role, key.courses) == ("instructor", ["alpha"])
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims(), other_key, algorithm="RS256")
    assert refusal(rs256_verifier, forged) == "bad signature"


def test_expiry_is_checked_with_the_configured_leeway(verifier: JwtVerifier) -> None:
    now = int(time.time())
    assert verifier.verify(hs256(exp=now - 10)).name == "student-42"  # within 30 s
    assert refusal(verifier, hs256(exp=now - 60)) == "expired"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-service"}, "wrong audience"),
        ({"iss": "https://evil.example.com"}, "wrong issuer"),
        ({"sub": None}, "missing claim sub"),
        ({"exp": None}, "missing claim exp"),
        ({"aud": None}, "missing claim aud"),
        ({"iss": None}, "missing claim iss"),
        ({"exp": "tomorrow"}, "malformed"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
    ],
)
def test_tokens_with_wrong_or_missing_claims_are_refused_with_the_reason(
    verifier: JwtVerifier, changes: dict[str, Any], reason: str
) -> None:
    assert refusal(verifier, hs256(**changes)) == reason


def test_without_a_configured_issuer_iss_is_not_required() -> None:
    verifier = JwtVerifier(JwtSettings(enabled=True, secret=SECRET))
    assert verifier.verify(hs256(iss=None)).name == "student-42"


def test_a_token_signed_with_another_secret_is_refused(verifier: JwtVerifier) -> None:
    forged = jwt.encode(claims(), SECRET + "-but-not-quite", algorithm="HS256")
    assert refusal(verifier, forged) == "bad signature"
    # A valid token whose payload is swapped for one naming more courses.
    header, _, signature = hs256().split(".")
    payload = _b64(json.dumps(claims(courses=["alpha", "beta"])).encode())
    assert refusal(verifier, f"{header}.{payload}.{signature}") == "bad signature"


def test_an_unsigned_alg_none_token_is_refused(verifier: JwtVerifier) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned = f"{header}.{_b64(json.dumps(claims()).encode())}."
    assert looks_like_jwt(unsigned)
    assert refusal(verifier, unsigned) == "algorithm not allowed"


def test_an_hs256_token_keyed_with_the_rsa_public_key_is_refused_by_rs256(
    rs256_verifier: JwtVerifier, public_pem: Path
) -> None:
    # The algorithm confusion attack: the public key is public, so anyone could sign
    # this if the verifier let the token's header choose HMAC.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims(role="instructor")).encode())
    signature = _b64(_hmac_sha256(public_pem.read_bytes(), f"{header}.{payload}".encode()))
    assert refusal(rs256_verifier, f"{header}.{payload}.{signature}") == "algorithm not allowed"


def test_admin_tokens_are_refused_and_so_are_unknown_roles(verifier: JwtVerifier) -> None:
    assert "admin" in refusal(verifier, hs256(role="admin"))
    assert refusal(verifier, hs256(role="superuser")) == "role must be client or instructor"
    assert refusal(verifier, hs256(role=["client"])) == "role must be client or instructor"


@pytest.mark.parametrize("courses", [["Alpha"], ["../beta"], ["a"], "alpha", [1], ["x" * 64]])
def test_course_ids_that_are_not_course_ids_are_refused(
    verifier: JwtVerifier, courses: object
) -> None:
    assert refusal(verifier, hs256(courses=courses)) == "courses must be a list of course IDs"


@pytest.mark.parametrize("sub", ["", "x" * 201])
def test_a_subject_that_cannot_name_a_key_is_refused(verifier: JwtVerifier, sub: str) -> None:
    assert refusal(verifier, hs256(sub=sub)).startswith("sub must be a string of 1 to 200")
    assert verifier.verify(hs256(sub="x" * 200)).id == "jwt:" + "x" * 200


def test_a_subject_that_is_not_a_string_is_refused(verifier: JwtVerifier) -> None:
    with pytest.raises(TokenRefused):
        verifier.verify(hs256(sub=42))


def test_garbage_in_the_shape_of_a_jwt_is_malformed(verifier: JwtVerifier) -> None:
    assert refusal(verifier, "abc.def.ghi") == "malformed"


@pytest.mark.parametrize(
    ("token", "shaped"),
    [
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", True),
        ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", True),
        ("byosc_0123456789ab_AbC-dEf_ghI", False),
        ("a.b", False),
        ("a.b.c.d", False),
        ("a.b+c.d", False),
        ("a.b=.c", False),
        ("a.b.c\n", False),
    ],
)
def test_only_three_base64url_segments_look_like_a_jwt(token: str, shaped: bool) -> None:
    assert looks_like_jwt(token) is shaped


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()
