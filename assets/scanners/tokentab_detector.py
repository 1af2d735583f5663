"""detect-secrets plugin for tokentab access tokens (issue 20).

A tokentab token is ``tkt_`` + 43 base62 characters (32 random bytes) + a 6-character
base62 CRC32 of those 43 characters (alphabet ``0-9A-Za-z``, most significant digit first,
zero-padded). Only strings whose checksum holds are reported, so look-alikes are not.

Use: ``detect-secrets scan --plugin assets/scanners/tokentab_detector.py``
"""
import re
import zlib

from detect_secrets.plugins.base import RegexBasedDetector

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LEN = 43
CRC_LEN = 6


def base62(number, width):
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits))


def checksum_holds(token):
    body = token[4:4 + BODY_LEN]
    crc = token[4 + BODY_LEN:]
    return base62(zlib.crc32(body.encode("ascii")), CRC_LEN) == crc


class TokentabDetector(RegexBasedDetector):
    """Scans for tokentab access tokens (tkt_ prefix, CRC32 checked)."""

    secret_type = "tokentab access token"

    denylist = [
        re.compile(r"(?<![A-Za-z0-9_-])(tkt_[0-9A-Za-z]{49})(?![A-Za-z0-9_-])"),
    ]

    def analyze_string(self, string):
        for match in super().analyze_string(string):
            if checksum_holds(match):
                yield match
