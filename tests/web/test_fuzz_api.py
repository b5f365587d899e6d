"""Extreme and malformed values thrown at the API (tables and notes) and at the Twilio webhooks:
NUL and control characters, lone surrogates and invalid UTF-8, 10,000-character strings, huge
and negative numbers, deep JSON, impossible dates. Whatever comes, the answer is never a 5xx,
and a refused write writes nothing.

Hypothesis runs derandomized (the same examples on every run and machine) and each example is
rolled back, so that every one starts from the same tables and messages.
"""

import contextlib
import json
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from notifications.models import Message, OptOut
from reservations.models import StatusChange, Table
from tests.conftest import MANAGER_A, host_of
from tests.factories import TableFactory, api_key_for

# The inputs of the bug reports are given as explicit examples: always tried, whatever the
# random exploration finds around them.
FUZZ = hypothesis_settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TWILIO_TOKEN = "fuzz-auth-token"
SID = "SM" + "5" * 32

# --- What is thrown -----------------------------------------------------------------------

EXTREME_TEXTS = [
    "",
    " ",
    "\x00",
    "M01\x00",
    "\x01\x02\x1f",
    "\x1b[2J",
    "\x7f",
    "\t\r\n",
    "\ud800",
    "a\udfff",
    "\ufeff\u202e",
    "😀" * 40,
    "x" * 10_000,
    "9" * 5_000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "9999-12-31",
    "0001-01-01",
    "2030-02-30",
    "0000-00-00",
    "+275760-09-13",
    "2030-03-05T25:61:00",
    "null",
    "[]",
    "%00",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "available",
    "maintenance",
    "vip",
    "draft",
    "F01",
]
EXTREME_NUMBERS = [0, -1, 1, 32767, 32768, 2**31, 2**63, -(2**63) - 1, 10**30, -(10**30)]

# What PostgreSQL cannot store, what psycopg cannot encode, and other control characters.
BAD_CHARACTERS = ["\x00", "\ud800", "\x01", "\x1b", "\x7f"]
# An ordinary value with one bad character in it.
tainted_texts = st.builds(
    "{}{}{}".format,
    st.sampled_from(["", "M01", "draft", "STOP", "2030-03-05", "whatsapp:+525512345678"]),
    st.sampled_from(BAD_CHARACTERS),
    st.text(max_size=5),
)
texts = st.one_of(
    st.sampled_from(EXTREME_TEXTS),
    st.text(max_size=30),
    st.text(st.characters(max_codepoint=0x20), min_size=1, max_size=4),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2),  # lone surrogates
    tainted_texts,
)
# For the fields of a query or a form: half of them tainted.
hostile_texts = st.one_of(tainted_texts, texts)
numbers = st.one_of(
    st.sampled_from(EXTREME_NUMBERS),
    st.integers(),
    st.floats(),  # NaN and infinities included: they go out as NaN and Infinity
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, texts),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=6,
)


def one_field_fuzzed(valid: dict, values, extra_names: tuple[str, ...] = ()):
    """``valid`` with one field (or one of ``extra_names``) given a value of ``values``, or
    left out: each field's own checks, behind otherwise valid ones."""

    def fuzz(drawn: tuple) -> dict:
        name, value, left_out = drawn
        fields = {**valid, name: value}
        if left_out:
            del fields[name]
        return fields

    names = st.sampled_from([*valid, *extra_names])
    return st.tuples(names, values, st.booleans()).map(fuzz)


def every_field_fuzzed(names, values):
    """Any of ``names`` with values of ``values``, and up to two fields of any name."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, values)).flatmap(
        lambda fields: st.dictionaries(texts, values, max_size=2).map(fields.__or__)
    )


VALID_TABLE = {
    "code": "F77",
    "min_capacity": 2,
    "max_capacity": 6,
    "area": "terrace",
    "status": "maintenance",
    "description": "junto a la ventana",
}
table_bodies = st.one_of(
    one_field_fuzzed(VALID_TABLE, json_values, ("reservation_price", "id")),
    every_field_fuzzed([*VALID_TABLE, "reservation_price", "id"], json_values),
)
VALID_NOTES_FILTER = {"service_day": "2030-03-05", "status": "draft", "page_size": "10"}
notes_filters = st.one_of(
    one_field_fuzzed(VALID_NOTES_FILTER, hostile_texts, ("cursor", "format", "ordering")),
    every_field_fuzzed(VALID_NOTES_FILTER, hostile_texts),
)
deep_json = st.integers(30, 200_000).flatmap(
    lambda depth: st.sampled_from(
        [
            "[" * depth + "]" * depth,
            '{"a":' * depth + "1" + "}" * depth,
            '{"code": "F1", "max_capacity": 2, "x": ' + "[" * depth + "]" * depth + "}",
            "[" * depth,  # never closed
        ]
    )
)
raw_bodies = st.one_of(
    deep_json.map(str.encode),
    st.binary(max_size=80),
    st.binary(max_size=20).map(
        lambda raw: b'{"code": "F9", "max_capacity": 2, "description": "%s"}' % raw
    ),
    texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fuzz",
        "multipart/form-data",
        "text/plain",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset=no-such-charset",
    ]
)


def query_string(params: dict[str, str]) -> str:
    """Percent-encoded as a client would send them; a lone surrogate goes out as the invalid
    UTF-8 bytes it would be."""
    return "&".join(
        f"{quote(name, safe='', errors='surrogatepass')}={quote(value, safe='', errors='surrogatepass')}"
        for name, value in params.items()
    )


query_params = st.dictionaries(
    st.one_of(
        st.sampled_from(["cursor", "page_size", "status", "service_day", "format", "ordering"]),
        texts,
    ),
    texts,
    max_size=3,
)

# --- The callers and what they must never change ----------------------------------------


@pytest.fixture(autouse=True)
def _no_plan_limit(settings):
    """Hundreds of requests in a test: the plan's rate limit is not what is fuzzed here."""
    settings.PLAN_API_RATE_LIMITS = dict.fromkeys(settings.PLAN_API_RATE_LIMITS, 100_000)


@pytest.fixture
def api(restaurant_a):
    """Casa Azul's manager through the API."""
    with tenant_context(restaurant_a):
        user = get_user_model().objects.get(username=MANAGER_A)
        key = api_key_for(user)
    connection.set_schema_to_public()
    return Client(HTTP_HOST=host_of(restaurant_a), HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def table(restaurant_a) -> Table:
    with tenant_context(restaurant_a):
        table = TableFactory(code="F01", max_capacity=4, description="junto a la ventana")
    connection.set_schema_to_public()
    return table


class _RolledBack(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """Run one example in a savepoint undone afterwards: the next starts from the same rows."""
    with contextlib.suppress(_RolledBack), transaction.atomic():
        yield
        raise _RolledBack


def snapshot(restaurant) -> tuple:
    """What a refused request must leave as it was: the tables, their history, the messages'
    statuses and the opt-outs."""
    with tenant_context(restaurant):
        state = (
            list(Table.objects.order_by("pk").values_list()),
            StatusChange.objects.count(),
            list(Message.objects.order_by("pk").values_list("status", "error")),
            list(OptOut.objects.order_by("pk").values_list("channel", "address")),
        )
    connection.set_schema_to_public()
    return state


def assert_answered(response) -> None:
    event(f"answered {response.status_code}")  # pytest --hypothesis-show-statistics
    assert response.status_code < 500, (response.status_code, response.content[:300])


def assert_refusal_wrote_nothing(response, restaurant, before) -> None:
    if response.status_code >= 400:
        assert snapshot(restaurant) == before


# --- The API -----------------------------------------------------------------------------


@FUZZ
@given(params=query_params, table_id=texts)
@example(params={"cursor": "1\x00"}, table_id="\x00")
# A cursor that decodes (base64 of "p=x&r=9") to a position and a direction that are no number.
@example(params={"cursor": "cD14JnI9OQ==", "page_size": "9" * 5_000}, table_id="F01")
def test_listing_and_reading_tables_never_fail_whatever_the_query(
    restaurant_a, api, table, params, table_id
):
    with rolled_back():
        assert_answered(api.get(f"/api/v1/tables/?{query_string(params)}"))
        path_id = quote(table_id, safe="", errors="surrogatepass") or "0"
        assert_answered(api.get(f"/api/v1/tables/{path_id}/"))


@FUZZ
@given(filters=notes_filters)
@example(filters={"status": "\x00"})
@example(filters={"status": "\ud800"})
# A cursor at a position that is a date (base64 of "p=2030-03-05"), and a negative page size.
@example(filters={"cursor": "cD0yMDMwLTAzLTA1", "page_size": "-1"})
def test_filtering_notes_never_fails_whatever_the_filters(restaurant_a, api, filters):
    with rolled_back():
        assert_answered(api.get(f"/api/v1/notes/?{query_string(filters)}"))


@FUZZ
@given(body=table_bodies)
@example(body={**VALID_TABLE, "area": "\ud800"})
@example(body={**VALID_TABLE, "description": "\x00"})
def test_creating_a_table_from_any_json_never_fails_and_a_refusal_creates_nothing(
    restaurant_a, api, body
):
    with rolled_back():
        before = snapshot(restaurant_a)
        response = api.post("/api/v1/tables/", json.dumps(body), content_type="application/json")
        assert_answered(response)
        assert_refusal_wrote_nothing(response, restaurant_a, before)
        if response.status_code == 201:
            assert len(snapshot(restaurant_a)[0]) == len(before[0]) + 1


@FUZZ
@given(body=table_bodies, method=st.sampled_from(["patch", "put"]))
@example(body={"status": "maintenance", "area": "\ud800"}, method="patch")
def test_changing_a_table_with_any_json_never_fails_and_a_refusal_changes_nothing(
    restaurant_a, api, table, body, method
):
    with rolled_back():
        before = snapshot(restaurant_a)
        response = getattr(api, method)(
            f"/api/v1/tables/{table.pk}/", json.dumps(body), content_type="application/json"
        )
        assert_answered(response)
        assert_refusal_wrote_nothing(response, restaurant_a, before)


@FUZZ
@given(raw=raw_bodies, content_type=content_types, method=st.sampled_from(["post", "patch"]))
@example(raw=b"[" * 100_000 + b"]" * 100_000, content_type="application/json", method="post")
def test_any_raw_body_never_fails_and_a_refusal_writes_nothing(
    restaurant_a, api, table, raw, content_type, method
):
    path = "/api/v1/tables/" if method == "post" else f"/api/v1/tables/{table.pk}/"
    with rolled_back():
        before = snapshot(restaurant_a)
        # generic(): the body goes out as these bytes, whatever charset the type names.
        response = api.generic(method.upper(), path, raw, content_type=content_type)
        assert_answered(response)
        assert_refusal_wrote_nothing(response, restaurant_a, before)


# --- The Twilio webhooks -----------------------------------------------------------------


@pytest.fixture
def twilio(settings, restaurant_a):
    """Casa Azul's messages signed by the platform's account; one sent message to report on."""
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = ""
    with tenant_context(restaurant_a):
        Message.objects.create(
            event="confirmation",
            channel="whatsapp",
            recipient="+525512345678",
            language="es",
            body="Hola",
            status="sent",
            provider="twilio",
            provider_message_id=SID,
            idempotency_key="fuzz:sent",
        )
    connection.set_schema_to_public()


def post_signed(restaurant, path: str, body: bytes):
    """POST ``body`` as Twilio would, signed over the fields as Django reads them."""
    url = f"https://{host_of(restaurant)}{path}"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, QueryDict(body))
    return Client(HTTP_HOST=host_of(restaurant)).post(
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


VALID_REPORT = {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "63016"}
VALID_REPLY = {"From": "whatsapp:+525512345678", "To": "whatsapp:+14155238886", "Body": "STOP"}
CALLBACK_EXTRAS = ("AccountSid", "OptOutType", "ProfileName")


def callback_bodies(valid: dict):
    """What Twilio could POST instead of ``valid``: one field fuzzed, every field fuzzed, or
    bytes that are not a form at all."""
    fields = st.one_of(
        one_field_fuzzed(valid, hostile_texts, CALLBACK_EXTRAS),
        every_field_fuzzed([*valid, *CALLBACK_EXTRAS], hostile_texts),
    )
    return st.one_of(
        fields.map(lambda fields: query_string(fields).encode()), st.binary(max_size=80)
    )


twilio_callbacks = st.one_of(
    st.tuples(st.just("/twilio/status/"), callback_bodies(VALID_REPORT)),
    st.tuples(st.just("/twilio/inbound/"), callback_bodies(VALID_REPLY)),
)


@FUZZ
@given(callback=twilio_callbacks)
@example(callback=("/twilio/inbound/", b"From=whatsapp%3A%2B525512345678%00&Body=STOP"))
@example(callback=("/twilio/inbound/", b"From=%2B52" + b"1" * 253 + b"&Body=STOP"))
@example(callback=("/twilio/status/", b"MessageSid=" + SID.encode() + b"%00&MessageStatus=read"))
@example(
    callback=(
        "/twilio/status/",
        b"MessageSid=" + SID.encode() + b"&MessageStatus=undelivered&ErrorCode=63016%00",
    )
)
def test_a_signed_twilio_callback_never_fails_and_a_refusal_writes_nothing(
    restaurant_a, twilio, callback
):
    path, body = callback
    with rolled_back():
        before = snapshot(restaurant_a)
        response = post_signed(restaurant_a, path, body)
        assert response.status_code != 403, "the fuzzer's own signature was refused"
        assert_answered(response)
        assert_refusal_wrote_nothing(response, restaurant_a, before)
