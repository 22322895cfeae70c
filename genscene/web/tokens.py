"""Stream tokens: short-lived JWTs scoped to one job's event stream.

Keys are looked up by `kid`; each key pins the one algorithm it may verify (HS256 for
secrets, ES256 for P-256 keys, EdDSA for Ed25519 keys), so `alg: none` and HS256-signed-
with-a-public-key never verify. A retired key is simply absent from the ring: its `kid` is
unknown and its tokens stop verifying.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from genscene.errors import AuthenticationError, PermissionDeniedError, ValidationError
from genscene.settings import Settings

SCOPE = "job:events"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "scope", "iat", "nbf", "exp", "jti"]
MAX_TOKEN_BYTES = 4096
MAX_LEEWAY_S = 30
# One message for every verification failure: an attacker learns nothing about which check.
INVALID_TOKEN = "stream token is missing, invalid or expired"  # noqa: S105 (a message)


@dataclass(frozen=True)
class Key:
    """One key of the ring: `kid`, the one algorithm it allows, and its key material."""

    kid: str
    algorithm: str
    signing_key: Any  # secret bytes or private key; None for verify-only keys
    verifying_key: Any


def _fingerprint(material: bytes) -> str:
    return hashlib.sha256(material).hexdigest()[:16]


def hs256_key(secret: str) -> Key:
    """Return an HS256 key whose kid is derived from the secret (not revealing it)."""
    raw = secret.encode()
    if len(raw) < 32:
        raise ValidationError(
            "the JWT secret must be at least 32 bytes", field="GENSCENE_JWT_SECRET"
        )
    return Key(
        kid="hs-" + _fingerprint(b"kid:" + raw),
        algorithm="HS256",
        signing_key=raw,
        verifying_key=raw,
    )


def _algorithm_for(key: Any) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            raise ValidationError("only P-256 EC keys are supported (ES256)", field="jwt key")
        return "ES256"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise ValidationError("JWT key files must be P-256 (ES256) or Ed25519 (EdDSA)", field="jwt key")


def _public_kid(public: Any, algorithm: str) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"{algorithm.lower()}-{_fingerprint(der)}"


def private_key_from_pem(pem: bytes) -> Key:
    """Return a signing key (ES256 or EdDSA) from a PEM private key."""
    private = serialization.load_pem_private_key(pem, password=None)
    algorithm = _algorithm_for(private)
    public = private.public_key()
    return Key(
        kid=_public_kid(public, algorithm),
        algorithm=algorithm,
        signing_key=private,
        verifying_key=public,
    )


def public_key_from_pem(pem: bytes) -> Key:
    """Return a verify-only key (ES256 or EdDSA) from a PEM public key."""
    public = serialization.load_pem_public_key(pem)
    algorithm = _algorithm_for(public)
    return Key(
        kid=_public_kid(public, algorithm),
        algorithm=algorithm,
        signing_key=None,
        verifying_key=public,
    )


class KeyRing:
    """The current signing key plus keys that still verify, by kid."""

    def __init__(self, current: Key, others: list[Key] | None = None) -> None:
        self.current = current
        self.keys = {current.kid: current}
        for key in others or []:
            self.keys.setdefault(key.kid, key)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """Return the ring configured in `settings` (see README: JWT settings)."""
        others = [hs256_key(s) for s in settings.jwt_previous_secrets]
        others += [public_key_from_pem(Path(p).read_bytes()) for p in settings.jwt_public_key_files]
        if settings.jwt_private_key_file:
            current = private_key_from_pem(Path(settings.jwt_private_key_file).read_bytes())
            others.append(hs256_key(settings.jwt_secret))
        else:
            current = hs256_key(settings.jwt_secret)
        return cls(current, others)


@dataclass(frozen=True)
class StreamToken:
    token: str
    jti: str
    job_id: str
    expires_at: int
    expires_in: int


@dataclass(frozen=True)
class VerifiedToken:
    job_id: str
    jti: str
    expires_at: float
    kid: str


class TokenService:
    """Mints and verifies stream tokens."""

    def __init__(
        self,
        ring: KeyRing,
        *,
        issuer: str,
        audience: str,
        ttl_s: int,
        leeway_s: int = MAX_LEEWAY_S,
    ) -> None:
        self.ring = ring
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s
        self.leeway_s = min(leeway_s, MAX_LEEWAY_S)

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenService:
        return cls(
            KeyRing.from_settings(settings),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_s=settings.jwt_ttl_s,
        )

    def mint(
        self, job_id: str, *, now: float | None = None, ttl_s: int | None = None
    ) -> StreamToken:
        """Return a token for `job_id`'s event stream, signed with the current key."""
        issued = int(now if now is not None else time.time())
        ttl = ttl_s if ttl_s is not None else self.ttl_s
        jti = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": job_id,
            "scope": SCOPE,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl,
            "jti": jti,
        }
        key = self.ring.current
        token = jwt.encode(
            claims, key.signing_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
        )
        return StreamToken(
            token=token, jti=jti, job_id=job_id, expires_at=issued + ttl, expires_in=ttl
        )

    def verify(self, token: str | None, job_id: str) -> VerifiedToken:
        """Return the verified claims; 401 (one generic error) or 403 for another job's token."""
        if not token or len(token) > MAX_TOKEN_BYTES:
            raise AuthenticationError(INVALID_TOKEN)
        try:
            header = jwt.get_unverified_header(token)
            key = self.ring.keys.get(str(header.get("kid", "")))
            if key is None or header.get("alg") != key.algorithm:
                raise AuthenticationError(INVALID_TOKEN)
            claims = jwt.decode(
                token,
                key.verifying_key,
                algorithms=[key.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": REQUIRED_CLAIMS, "strict_aud": True},
            )
        except jwt.PyJWTError:
            raise AuthenticationError(INVALID_TOKEN) from None
        if claims.get("scope") != SCOPE or not isinstance(claims.get("sub"), str):
            raise AuthenticationError(INVALID_TOKEN)
        if claims["sub"] != job_id:
            raise PermissionDeniedError("this stream token is for another job", field="token")
        return VerifiedToken(
            job_id=claims["sub"],
            jti=str(claims["jti"]),
            expires_at=float(claims["exp"]),
            kid=key.kid,
        )
