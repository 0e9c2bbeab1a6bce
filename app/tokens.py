"""Signed values: the form token (widget, issue time, submission id, attribution), the journey's
answers between steps, and result links.

Both are signed with the service's secret key (itsdangerous), so no cookie or server session is
needed: third-party iframes often lose cookies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import (
    BadSignature,
    Serializer,
    SignatureExpired,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous import Signer as ItsDangerousSigner
from itsdangerous.encoding import base64_encode, want_bytes

from app.attribution import Attribution


class TokenInvalid(Exception):
    """Not signed by us, or for another widget: treated as forged."""


class TokenExpired(Exception):
    """Genuine but too old: the homeowner gets a fresh form with their answers kept.

    `token` holds an expired form token's contents (signature checked), to keep its attribution
    and submission id.
    """

    def __init__(self, token: FormToken | None = None):
        super().__init__()
        self.token = token


def new_submission_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class FormToken:
    widget_id: str
    submission_id: str
    issued_at: float
    attribution: Attribution


@dataclass(frozen=True)
class ResultLink:
    submission_id: str
    already_sent: bool = False  # the answer to a re-send whose answers differed


_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class _KeyOnceSigner(TimestampSigner):
    """itsdangerous' timestamp signer with its signing key derived once, not per signature,
    and its HMAC-SHA1 made by the one-shot `hmac.digest` (the same bytes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_key = super().derive_key()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        return self._signing_key if secret_key is None else super().derive_key(secret_key)

    def get_signature(self, value: str | bytes) -> bytes:
        if self.digest_method is not hashlib.sha1:
            return super().get_signature(value)
        return base64_encode(hmac.digest(self._signing_key, want_bytes(value), "sha1"))


class _PageViewSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, made for a signature on every page view: one
    signer for its salt instead of a new one per call, and the payload left uncompressed (a
    form token is about 200 bytes; zlib cost more than the signature). Both kinds of payload,
    compressed or not, are read alike, so earlier tokens stay valid."""

    default_signer = _KeyOnceSigner

    def __init__(self, secret: str, salt: str) -> None:
        super().__init__(secret, salt=salt)
        self._signer = super().make_signer()

    def make_signer(self, salt: str | bytes | None = None) -> ItsDangerousSigner:
        if salt is None or salt == self.salt:
            return self._signer
        return super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        # The bytes itsdangerous' compact JSON writes, from one encoder made once.
        return base64_encode(_COMPACT_JSON.encode(obj).encode())


class Signer:
    def __init__(self, secret: str, form_max_age: int, result_max_age: int):
        self._forms = _PageViewSerializer(secret, salt="form-token")
        self._results = _PageViewSerializer(secret, salt="result-link")
        self._answers = _PageViewSerializer(secret, salt="journey-answers")
        # Compressed: an address list repeats its street and town on every row.
        self._address_lists = URLSafeSerializer(secret, salt="address-list")
        self.form_max_age = form_max_age
        self.result_max_age = result_max_age

    def issue_form_token(
        self,
        widget_id: str,
        attribution: Attribution,
        submission_id: str | None = None,
        issued_at: float | None = None,
    ) -> tuple[str, FormToken]:
        """A signed token; `issued_at` carries over the first form's time when re-issuing."""
        token = FormToken(
            widget_id, submission_id or new_submission_id(), issued_at or time.time(), attribution
        )
        payload = {
            "w": token.widget_id,
            "s": token.submission_id,
            "t": round(token.issued_at, 3),
            "a": attribution.as_dict(),
        }
        return self._forms.dumps(payload), token

    def read_form_token(self, value: str, widget_id: str) -> FormToken:
        try:
            payload = self._forms.loads(value, max_age=self.form_max_age)
        except SignatureExpired as exc:
            expired = self._forms.load_payload(exc.payload) if exc.payload is not None else None
            raise TokenExpired(_form_token(expired, widget_id)) from exc
        except BadSignature as exc:
            raise TokenInvalid from exc
        token = _form_token(payload, widget_id)
        if token is None:
            raise TokenInvalid
        return token

    def sign_answers(self, widget_id: str, answers: Mapping[str, str | list[str]]) -> str:
        """The journey's answers so far, signed for a hidden field of the next step's page.

        Signed, not encrypted: the homeowner's own answers go back to their own browser, and
        the signature stops anyone changing what earlier steps checked (a UPRN, say). Not
        timed: the form token beside it carries the time.
        """
        return self._answers.dumps({"w": widget_id, "a": dict(answers)})

    def read_answers(self, value: str, widget_id: str) -> dict[str, str | list[str]]:
        """The answers `sign_answers` signed for `widget_id`; TokenInvalid for anything else
        (a changed value, another widget's, or not a mapping of strings and string lists)."""
        answers = _widgets_own(self._answers, value, widget_id, "a")
        if not isinstance(answers, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in answers.values()
        ):
            raise TokenInvalid
        return {str(k): v for k, v in answers.items()}

    def sign_address_list(self, widget_id: str, rows: list[list[str]]) -> str:
        """The address page's list (`ListedAddress.as_row()` rows), signed and compressed for
        a hidden field of that page."""
        return self._address_lists.dumps({"w": widget_id, "r": rows})

    def read_address_list(self, value: str, widget_id: str) -> list[object]:
        """The rows `sign_address_list` signed for `widget_id`; TokenInvalid otherwise."""
        rows = _widgets_own(self._address_lists, value, widget_id, "r")
        if not isinstance(rows, list):
            raise TokenInvalid
        return rows

    def result_link(self, widget_id: str, submission_id: str, already_sent: bool = False) -> str:
        """A signed link to a submission's result. `already_sent` marks the answer to a re-send
        with changed answers: the page then says so. Signed, so it cannot be added by hand to
        a link someone was given."""
        payload: dict[str, object] = {"w": widget_id, "s": submission_id}
        if already_sent:
            payload["r"] = 1
        return self._results.dumps(payload)

    def read_result(self, value: str, widget_id: str) -> ResultLink:
        """What a result link says; TokenInvalid/TokenExpired otherwise."""
        try:
            payload = self._results.loads(value, max_age=self.result_max_age)
        except SignatureExpired as exc:
            raise TokenExpired from exc
        except BadSignature as exc:
            raise TokenInvalid from exc
        if not isinstance(payload, dict) or payload.get("w") != widget_id:
            raise TokenInvalid
        return ResultLink(str(payload["s"]), already_sent=payload.get("r") == 1)

    def read_result_link(self, value: str, widget_id: str) -> str:
        """The submission id a result link names; TokenInvalid/TokenExpired otherwise."""
        return self.read_result(value, widget_id).submission_id


def _widgets_own(
    serializer: Serializer[str], value: str, widget_id: str, key: str
) -> object:
    """Item `key` of a payload `serializer` signed for `widget_id`; TokenInvalid for a value
    not signed by us or signed for another widget."""
    try:
        payload = serializer.loads(value)
    except BadSignature as exc:
        raise TokenInvalid from exc
    if not isinstance(payload, dict) or payload.get("w") != widget_id:
        raise TokenInvalid
    return payload.get(key)


def _form_token(payload: object, widget_id: str) -> FormToken | None:
    """The token a signed payload describes, if it is whole and for this widget."""
    if not isinstance(payload, dict) or payload.get("w") != widget_id:
        return None
    attribution = payload.get("a") or {}
    try:
        return FormToken(
            widget_id=widget_id,
            submission_id=str(payload["s"]),
            issued_at=float(payload["t"]),
            attribution=Attribution.from_dict(attribution if isinstance(attribution, dict) else {}),
        )
    except (KeyError, TypeError, ValueError):
        return None
