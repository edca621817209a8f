"""SOAP 1.2 as a simulated ONVIF device speaks it: read a request, check its WS-UsernameToken,
write an answer or a fault.

Only what the device and media operations of `onvif_device` need; answers are written as text
because each is a handful of fixed elements.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree
from xml.sax.saxutils import escape

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)
NAMESPACES = {
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
}
# A token created further from the device's clock than this is refused (a replayed old one).
MAX_CLOCK_SKEW = timedelta(minutes=5)


class SoapFault(Exception):
    """Answered as a SOAP fault: `code` is Sender or Receiver, `subcode` a ter: name."""

    def __init__(self, code: str, subcode: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason


def not_authorized() -> SoapFault:
    return SoapFault("Sender", "ter:NotAuthorized", "Sender not Authorized")


@dataclass(frozen=True)
class UsernameToken:
    username: str
    digest: str
    nonce: str
    created: str


@dataclass(frozen=True)
class SoapRequest:
    namespace: str
    operation: str
    body: ElementTree.Element
    token: UsernameToken | None

    def text(self, path: str) -> str | None:
        """The text of an element under the operation, by a `trt:`/`tt:` path."""
        found = self.body.find(path, NAMESPACES)
        return found.text.strip() if found is not None and found.text else None


def parse_request(data: bytes) -> SoapRequest:
    try:
        envelope = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise SoapFault("Sender", "ter:WellFormed", "the request is not well-formed XML") from None
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) == 0:
        raise SoapFault("Sender", "ter:WellFormed", "expected a SOAP 1.2 envelope with a body")
    operation = body[0]
    namespace, _, name = operation.tag.lstrip("{").partition("}")
    return SoapRequest(namespace, name, operation, _username_token(envelope))


def _username_token(envelope: ElementTree.Element) -> UsernameToken | None:
    token = envelope.find(f"{{{SOAP_ENV}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None

    def text(tag: str) -> str:
        found = token.find(tag)
        return (found.text or "").strip() if found is not None else ""

    password = token.find(f"{{{WSSE}}}Password")
    if password is None or password.get("Type", DIGEST_TYPE) != DIGEST_TYPE:
        raise not_authorized()  # plain-text passwords are not accepted
    return UsernameToken(
        text(f"{{{WSSE}}}Username"),
        (password.text or "").strip(),
        text(f"{{{WSSE}}}Nonce"),
        text(f"{{{WSU}}}Created"),
    )


def check_token(token: UsernameToken | None, username: str, password: str, now: datetime) -> None:
    """WS-Security digest: Password == b64(sha1(b64decode(Nonce) + Created + password))."""
    if token is None or not hmac.compare_digest(token.username.encode(), username.encode()):
        raise not_authorized()
    try:
        nonce = base64.b64decode(token.nonce, validate=True)
        created = datetime.fromisoformat(token.created.replace("Z", "+00:00"))
    except (binascii.Error, ValueError):
        raise not_authorized() from None
    if created.tzinfo is None or abs(created - now) > MAX_CLOCK_SKEW:
        raise not_authorized()
    expected = hashlib.sha1(nonce + token.created.encode() + password.encode()).digest()
    if not hmac.compare_digest(base64.b64encode(expected).decode(), token.digest):
        raise not_authorized()


def envelope(body: str) -> bytes:
    prefixes = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<env:Envelope xmlns:env="{SOAP_ENV}" {prefixes}><env:Body>{body}</env:Body></env:Envelope>'
    ).encode()


def fault(error: SoapFault) -> bytes:
    return envelope(
        f"<env:Fault><env:Code><env:Value>env:{error.code}</env:Value>"
        f"<env:Subcode><env:Value>{error.subcode}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(error.reason)}</env:Text></env:Reason></env:Fault>'
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
