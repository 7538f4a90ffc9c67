"""A test PKI made on the spot with `cryptography` (issue 12, item 7): a root CA and a signer's certificate in a
PKCS#12, as a province's CA would issue to a chair's USB token; no certificate is kept in the repository.
Used by the signature tests and the documents bench."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

PASSPHRASE = "mat-khau-thu"


@dataclass(frozen=True)
class Pki:
    pkcs12: Path
    roots: Path


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_pki(folder: Path) -> Pki:
    """A root CA and a signer's certificate, as a province's CA would issue to a chair's USB token."""
    now = dt.datetime.now(dt.UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = _name("CA Thử nghiệm Chữ ký số", "Ban Cơ yếu thử nghiệm")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("Hoàng Minh Tuấn", "Ban Tuyên giáo Tỉnh ủy"))
            .issuer_name(root_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pki = Pki(pkcs12=folder / "chu-ky.p12", roots=folder / "ca.pem")
    pki.pkcs12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"chu-ky", key, cert, [root], serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    pki.roots.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return pki


def sign_elsewhere(pdf: bytes, pki: Pki) -> bytes:
    """What the province's signing software does: one incremental update with an (invisible) signature."""
    signer = signers.SimpleSigner.load_pkcs12(str(pki.pkcs12), passphrase=PASSPHRASE.encode())
    out = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)),
                           signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer)
    return out.getvalue()
