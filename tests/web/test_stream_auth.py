"""Every attack on the stream tokens answers 401 (or 403 for another job's valid token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from quart import Quart

from genscene.errors import AuthenticationError, PermissionDeniedError
from genscene.settings import Settings
from genscene.web.tokens import INVALID_TOKEN, KeyRing, TokenService, hs256_key

from .conftest import AUTH

SECRET = "a-current-secret-that-is-long-enough-0001"
OLD_SECRET = "an-older-secret-that-is-long-enough-00002"
JOB = "a" * 32


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service(*others: str) -> TokenService:
    return TokenService(
        KeyRing(hs256_key(SECRET), [hs256_key(o) for o in others]),
        issuer="genscene",
        audience="genscene-sse",
        ttl_s=3600,
    )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": "genscene",
        "aud": "genscene-sse",
        "sub": JOB,
        "scope": "job:events",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j1",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], secret: str = SECRET, kid: str | None = None) -> str:
    kid = kid or hs256_key(secret).kid
    return jwt.encode(payload, secret.encode(), algorithm="HS256", headers={"kid": kid})


def test_token_round_trip_claims_and_header() -> None:
    svc = service()
    minted = svc.mint(JOB)
    header = jwt.get_unverified_header(minted.token)
    assert header["alg"] == "HS256" and header["kid"] == svc.ring.current.kid
    payload = jwt.decode(minted.token, options={"verify_signature": False})
    assert set(payload) == {"iss", "aud", "sub", "scope", "iat", "nbf", "exp", "jti"}
    assert payload["exp"] - payload["iat"] == 3600
    verified = svc.verify(minted.token, JOB)
    assert verified.job_id == JOB and verified.jti == payload["jti"]


@pytest.mark.parametrize(
    "make_token",
    [
        # Built when the test runs, not at collection: time-based claims must be fresh.
        pytest.param(lambda: signed(claims(exp=int(time.time()) - 120)), id="expired"),
        pytest.param(lambda: signed(claims(nbf=int(time.time()) + 120)), id="not-yet-valid"),
        pytest.param(lambda: signed(claims(aud="someone-else")), id="wrong-audience"),
        pytest.param(lambda: signed(claims(iss="genscene-evil")), id="wrong-issuer"),
        pytest.param(lambda: signed(claims(scope="job:admin")), id="wrong-scope"),
        pytest.param(lambda: signed(claims(jti=None)), id="missing-jti"),
        pytest.param(lambda: signed(claims(nbf=None)), id="missing-nbf"),
        pytest.param(lambda: signed(claims(), kid="hs-0000000000000000"), id="unknown-kid"),
        pytest.param(
            lambda: signed(
                claims(),
                secret="a-different-secret-that-is-long-enough-9",
                kid=hs256_key(SECRET).kid,
            ),
            id="wrong-secret",
        ),
        pytest.param(lambda: "x" * 10_000, id="huge"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
        pytest.param(lambda: "", id="empty"),
    ],
)
def test_verify_attack_rejected_with_one_generic_error(make_token: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        service().verify(make_token(), JOB)
    assert caught.value.message == INVALID_TOKEN


def test_verify_exp_leeway_at_most_30_seconds() -> None:
    now = int(time.time())
    service().verify(signed(claims(iat=now - 100, nbf=now - 100, exp=now - 10)), JOB)
    with pytest.raises(AuthenticationError):
        service().verify(signed(claims(iat=now - 100, nbf=now - 100, exp=now - 40)), JOB)


def test_verify_alg_none_rejected() -> None:
    header = {"alg": "none", "typ": "JWT", "kid": hs256_key(SECRET).kid}
    token = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(AuthenticationError):
        service().verify(token, JOB)


def test_verify_tampered_payload_and_stripped_signature_rejected() -> None:
    good = service().mint(JOB).token
    head, payload, signature = good.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["sub"] = "b" * 32
    tampered = f"{head}.{b64(json.dumps(body).encode())}.{signature}"
    for token in (tampered, f"{head}.{payload}.", f"{head}.{payload}"):
        with pytest.raises(AuthenticationError):
            service().verify(token, "b" * 32)


def test_verify_other_jobs_token_403() -> None:
    with pytest.raises(PermissionDeniedError):
        service().verify(service().mint(JOB).token, "b" * 32)


def test_rotation_previous_key_verifies_until_retired() -> None:
    old_token = signed(claims(), secret=OLD_SECRET)
    service(OLD_SECRET).verify(old_token, JOB)  # rotated: still verifies
    with pytest.raises(AuthenticationError):
        service().verify(old_token, JOB)  # retired: gone from the ring


def write_pem(path: Path, private: Any) -> tuple[Path, Path]:
    path.mkdir(parents=True, exist_ok=True)
    priv = path / "private.pem"
    pub = path / "public.pem"
    priv.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


@pytest.mark.parametrize(
    ("make_key", "alg"),
    [
        (lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ed25519.Ed25519PrivateKey.generate, "EdDSA"),
    ],
)
def test_asymmetric_keys_sign_and_verify(
    tmp_path: Path, settings: Settings, make_key: Any, alg: str
) -> None:
    priv, _ = write_pem(tmp_path / alg, make_key())
    svc = TokenService.from_settings(replace(settings, jwt_private_key_file=str(priv)))
    token = svc.mint(JOB).token
    assert jwt.get_unverified_header(token)["alg"] == alg
    assert svc.verify(token, JOB).kid.startswith(alg.lower())


def test_hs256_signed_with_public_key_rejected(tmp_path: Path, settings: Settings) -> None:
    priv, pub = write_pem(tmp_path / "es", ec.generate_private_key(ec.SECP256R1()))
    svc = TokenService.from_settings(replace(settings, jwt_private_key_file=str(priv)))
    kid = svc.ring.current.kid
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims(iss=settings.jwt_issuer, aud=settings.jwt_audience)).encode())
    mac = hmac.new(pub.read_bytes(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    with pytest.raises(AuthenticationError):
        svc.verify(f"{header}.{payload}.{b64(mac)}", JOB)


# -- over HTTP ------------------------------------------------------------------------


async def make_job(app: Quart) -> str:
    job = await app.extensions["genscene"].store.create("compose", {})
    return str(job.id)


async def test_http_auth_endpoint_404_for_unknown_job(client: Any) -> None:
    response = await client.get("/api/jobs/" + "c" * 32 + "/auth", headers=AUTH)
    assert response.status_code == 404
    assert (await client.post("/api/jobs/" + "c" * 32 + "/auth")).status_code == 401


async def test_http_api_key_on_jwt_route_401(client: Any, app: Quart) -> None:
    job_id = await make_job(app)
    response = await client.get(f"/api/jobs/{job_id}/events-stream", headers=AUTH)
    assert response.status_code == 401
    body = await response.get_json()
    assert body["error"]["message"] == INVALID_TOKEN


async def test_http_token_on_legacy_route_401(client: Any, app: Quart) -> None:
    job_id = await make_job(app)
    token = (await (await client.post(f"/api/jobs/{job_id}/auth", headers=AUTH)).get_json())[
        "token"
    ]
    response = await client.get(
        f"/api/jobs/{job_id}/events", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_http_other_jobs_token_403_and_unknown_job_404(client: Any, app: Quart) -> None:
    first, second = await make_job(app), await make_job(app)
    token = (await (await client.get(f"/api/jobs/{first}/auth", headers=AUTH)).get_json())["token"]
    response = await client.get(f"/api/jobs/{second}/events-stream?token={token}")
    assert response.status_code == 403
    assert (await response.get_json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "9" * 17, "12 34", "0x10"])
async def test_http_malformed_last_event_id_400(client: Any, app: Quart, value: str) -> None:
    job_id = await make_job(app)
    token = (await (await client.get(f"/api/jobs/{job_id}/auth", headers=AUTH)).get_json())["token"]
    response = await client.get(
        f"/api/jobs/{job_id}/events-stream",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": value},
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"]["field"] == "Last-Event-ID"


async def test_http_expired_token_401(client: Any, app: Quart) -> None:
    job_id = await make_job(app)
    tokens = app.extensions["genscene"].tokens
    expired = tokens.mint(job_id, now=time.time() - 7200, ttl_s=60).token
    response = await client.get(f"/api/jobs/{job_id}/events-stream?token={expired}")
    assert response.status_code == 401
