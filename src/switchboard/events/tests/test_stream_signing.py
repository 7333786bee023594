"""Webhook signatures as Standard Webhooks defines them, so receivers can verify with its published libraries."""

from __future__ import annotations

import base64
import hashlib
import hmac

from switchboard.events.services.streams.signing import PREFIX, new_secret, sign, signature_header


def test_signature_matches_the_standard_webhooks_test_vector():
    # standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py::test_sign_function
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secrets_are_whsec_prefixed_base64_of_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert first.startswith(PREFIX) and first != second
    assert len(base64.b64decode(first.removeprefix(PREFIX))) == 32


def test_during_a_rotation_each_secret_gives_one_space_separated_signature():
    new, old = new_secret(), new_secret()
    header = signature_header([new, old], "msg_1", 1700000000, b"[]")
    signatures = header.split(" ")
    assert signatures == [sign(new, "msg_1", 1700000000, b"[]"), sign(old, "msg_1", 1700000000, b"[]")]
    key = base64.b64decode(old.removeprefix(PREFIX))
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000.[]", hashlib.sha256).digest()).decode()
    assert signatures[1] == f"v1,{expected}"
