"""The values many test files share: ID numbers, phone numbers, the gateway's number and the suite's secrets.

Defined once so a test reads `ID_A` and a reader knows it is the suite's ordinary tenant, not a new case.
A value one file alone needs stays in that file. None of the secrets below is secret: they exist only so
every test runtime, and every `declgate` process a test starts, can open the same sealed rows.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]  # the checkout: gateway/, docs/, tests/ …

# Mainland resident ID numbers (GB 11643: 17 digits and a check character).
ID_A = "350102199001011238"  # the suite's tenant and the README's example; masked 3501**********1238
ID_B = "110101199003074477"
ID_C = "440304198506120027"
ID_X = "11010519491231002X"  # the check character is X: typed with * on the keypad
ID_BAD_CHECK = "350102199001011239"  # ID_A with a wrong check digit

# Phone numbers, E.164.
GATEWAY_NUMBER = "+8610690000"  # the number landlords text and call
LANDLORD = "+8613800138000"  # enrolled by `enrolled` (100001 in GL01) and by `people` (100001, 100002 in GL01)
OTHER_LANDLORD = "+8613900139000"  # enrolled by `people`: one single-unit property 200001 in GL02
TENANT = "+8613900001111"  # a resident calling the voice line from a mobile
STRANGER = "+8613700000000"  # enrolled nowhere

# What the test deployment is configured with.
TOKEN = "test-auth-token"  # TWILIO_AUTH_TOKEN: tests.support.signed_post signs with it
PUBLIC_BASE_URL = "http://localhost"  # what tests.support.signed_post signs for
SECRET_KEY = "test-secret"
PASSWORD = "correct horse"  # every officer the fixtures create
DATA_KEY = "OSuFAAmRsOV6g3atuKkQNmwoF7dAoiUmLImTcCahyHg="
BLIND_INDEX_KEY = "88qLoNzf22AJDmeUutHQ4yX19ZEzmll3AyFfm9yulJk="
SECOND_KEY = "_bNJdpCGm9ty5dEHdsEWVkAKC-RjZJ2RxvvqKVR9UXw="  # another valid key: a new data key for rotation
# The suite's campaign began long before any date a test writes, so a move-in some days back is `late`, not
# backlog; tests of the campaign's start set their own (tests/gateway/pipeline/test_backlog.py).
CAMPAIGN_START = "2000-01-01"
KEYS = {"data_keys": (DATA_KEY,), "blind_index_key": BLIND_INDEX_KEY}  # Keyring(**KEYS)
SUITE = {**KEYS, "campaign_start": dt.date.fromisoformat(CAMPAIGN_START)}  # Settings(**SUITE)
KEY_ENV = {"DATA_KEYS": DATA_KEY, "BLIND_INDEX_KEY": BLIND_INDEX_KEY,
           "CAMPAIGN_START": CAMPAIGN_START}  # the same, for a command's environment
