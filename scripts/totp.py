#!/usr/bin/env python3
"""totp.py — the current TOTP code (RFC 6238) of a base32 secret, for trying
the second factor in the demo without an authenticator app: paste the secret
that 双因素认证 → 绑定身份验证器 shows (手工输入密钥).

    python3 scripts/totp.py SECRET [--digits 6] [--period 30] [--alg sha1]

Prints the code of this time step and of the next one (the server refuses a
code used before, so a second sign-in within 30 s needs the next one)."""
import argparse
import base64
import hashlib
import hmac
import struct
import time


def code(key, step, digits, alg):
    mac = hmac.new(key, struct.pack(">Q", step), getattr(hashlib, alg)).digest()
    off = mac[-1] & 0x0F
    v = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(v).zfill(digits)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("secret")
    ap.add_argument("--digits", type=int, default=6)
    ap.add_argument("--period", type=int, default=30)
    ap.add_argument("--alg", default="sha1", choices=["sha1", "sha256", "sha512"])
    a = ap.parse_args()
    s = a.secret.replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    now = time.time()
    step = int(now) // a.period
    left = a.period - int(now) % a.period
    print(f"{code(key, step, a.digits, a.alg)}  (还剩 {left} 秒)")
    print(f"{code(key, step + 1, a.digits, a.alg)}  (下一个)")


if __name__ == "__main__":
    main()
