"""A certificate chain as `tlskb cert` reports it: each certificate's subject, issuer and key,
named by net/certificate.py (the catalogue's label and id, or a description of a key outside
the catalogue). Pure: DER in, values out; names a certificate chose are kept as text and
escaped only where printed."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from generator.errors import DecodeError
from generator.net.certificate import certificate_key


@dataclass(frozen=True, slots=True)
class Certificate:
    """One certificate of a chain: `position` 0 is the leaf, then its issuers as given."""
    position: int
    subject: str            # RFC 4514 string, as the certificate spells it
    common_name: str | None
    issuer: str
    key: str                # "ECDSA P-384", "RSA 1024", "ECDSA with explicit curve parameters"
    key_type: str | None    # the catalogue's id ("ec384"), None outside the catalogue
    der: bytes

    @property
    def shown_name(self) -> str:
        """The subject's common name, else the whole subject, else a placeholder."""
        return self.common_name or self.subject or "(empty subject)"


@dataclass(frozen=True, slots=True)
class Chain:
    """A leaf and its issuers, and how it was obtained: a file, or what a server sent a
    client offering `offers` (several offers may get the same chain)."""
    certificates: tuple[Certificate, ...]
    offers: tuple[str, ...] = ()

    @property
    def leaf(self) -> Certificate:
        return self.certificates[0]

    def order_notes(self) -> list[str]:
        """Where an issuer is not the one named by the certificate before it (RFC 5246
        §7.4.2: each certificate certifies the one before) — a chain out of order, or a
        bundle of unrelated certificates. Informational: nothing is verified."""
        notes = []
        for before, after in zip(self.certificates, self.certificates[1:]):
            if before.issuer != after.subject:
                notes.append(f"certificate {after.position} ({after.shown_name}) is not the "
                             f"issuer of certificate {before.position} ({before.shown_name}), "
                             f"whose issuer is {before.issuer or '(empty)'}")
        return notes


def describe(der: bytes, position: int, where: str) -> Certificate:
    """The certificate in `der`; DecodeError (naming `where`) if it is not one."""
    try:
        with warnings.catch_warnings():  # an odd serial number is not the user's news
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            certificate = x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise DecodeError(f"not an X.509 certificate ({error})", context=where) from None
    key, key_type = certificate_key(der)
    subject, common_name = _name(certificate, "subject")
    issuer, _ = _name(certificate, "issuer")
    return Certificate(position, subject, common_name, issuer, key, key_type, der)


def _name(certificate: x509.Certificate, which: str) -> tuple[str, str | None]:
    """(RFC 4514 string, first common name) of the subject or issuer. `cryptography` decodes
    names lazily and refuses some encodings then; such a name is described, not fatal."""
    try:
        name: x509.Name = getattr(certificate, which)
        common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        value = common[0].value if common else None
        return name.rfc4514_string(), value if isinstance(value, str) else None
    except ValueError as error:
        return f"(unreadable {which}: {error})", None
