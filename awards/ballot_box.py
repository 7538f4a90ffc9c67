"""The sealed ballot box: what an online ballot is between the cast and the count (docs/secrecy.md).

Only PyNaCl's primitives are used (libsodium: X25519 sealed boxes, XSalsa20-Poly1305 secret boxes,
Argon2id); this module invents no cryptography, it only decides what is sealed under which key.

- The meeting's passphrase is generated here, shown once to the counting committee and never stored. A
  key derived from it with Argon2id (memory-hard) wraps the meeting's private key.
- Each round has its own key pair; the round's private key is sealed to the meeting's public key.
- A ballot (receipt and choices) is sealed to its round's public key, padded to one size per round, so
  the length of a box does not tell how many units it chose.
- At the close the committee types the passphrase; the round's boxes are opened and its key forgotten.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

# 32 symbols without 0/O and 1/I, as the receipts: 16 of them carry 80 bits.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSPHRASE_LENGTH = 16
PAD_BLOCK = 256

# Argon2id cost, by name (settings.BALLOT_BOX_KDF). "moderate" is libsodium's advice for secrets that
# matter (256 MiB, a second or so, once per close); the test suite uses "min" to stay fast.
KDF_LIMITS = {
    "min": (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN),
    "interactive": (nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
}


class WrongPassphrase(Exception):
    """The passphrase does not open the meeting's key."""


def new_passphrase() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSPHRASE_LENGTH))


def passphrase_display(passphrase: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: easier to copy by hand."""
    return "-".join(passphrase[i:i + 4] for i in range(0, len(passphrase), 4))


def passphrase_normalise(typed: str) -> str:
    """What the committee typed, in capitals, without the spaces or dashes written between groups."""
    return "".join(ch for ch in typed.upper() if ch not in " -_.\t\r\n")


@dataclass(frozen=True)
class MeetingKey:
    public_key: bytes
    wrapped_private_key: bytes
    salt: bytes
    opslimit: int
    memlimit: int


def _kek(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("ascii", "replace"), salt,
                                    opslimit=opslimit, memlimit=memlimit)


def meeting_key_create(passphrase: str, *, cost: str) -> MeetingKey:
    opslimit, memlimit = KDF_LIMITS[cost]
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    private = PrivateKey.generate()
    wrapped = nacl.secret.SecretBox(_kek(passphrase, salt, opslimit, memlimit)).encrypt(bytes(private))
    return MeetingKey(bytes(private.public_key), bytes(wrapped), salt, opslimit, memlimit)


def meeting_key_open(passphrase: str, key: MeetingKey) -> PrivateKey:
    try:
        kek = _kek(passphrase_normalise(passphrase), key.salt, key.opslimit, key.memlimit)
        return PrivateKey(nacl.secret.SecretBox(kek).decrypt(key.wrapped_private_key))
    except (nacl.exceptions.CryptoError, UnicodeError) as error:
        raise WrongPassphrase from error


def round_key_create(meeting_public_key: bytes) -> tuple[bytes, bytes]:
    """A round's public key, and its private key sealed to the meeting's public key."""
    private = PrivateKey.generate()
    sealed = SealedBox(PublicKey(meeting_public_key)).encrypt(bytes(private))
    return bytes(private.public_key), bytes(sealed)


def round_key_open(meeting_private: PrivateKey, sealed_private_key: bytes) -> PrivateKey:
    return PrivateKey(SealedBox(meeting_private).decrypt(sealed_private_key))


def box_size(candidates: Sequence[int], receipt_length: int) -> int:
    """The padded size of every box of a round: room for a ballot that chooses every candidate."""
    longest = len(_plain(receipt_length * "X", sorted(candidates)))
    return (longest // PAD_BLOCK + 1) * PAD_BLOCK


def _plain(receipt: str, choices: Sequence[int]) -> bytes:
    return json.dumps({"r": receipt, "c": list(choices)}, separators=(",", ":")).encode()


def seal(public_key: bytes, *, receipt: str, choices: Sequence[int], size: int) -> bytes:
    plain = _plain(receipt, choices)
    if len(plain) >= size:
        raise ValueError("ballot larger than the round's box size")
    padded = plain + b" " * (size - len(plain))  # JSON ignores trailing blanks
    return bytes(SealedBox(PublicKey(public_key)).encrypt(padded))


def unseal(private: PrivateKey, box: bytes) -> tuple[str, list[int]]:
    data = json.loads(SealedBox(private).decrypt(bytes(box)))
    return str(data["r"]), [int(pk) for pk in data["c"]]
