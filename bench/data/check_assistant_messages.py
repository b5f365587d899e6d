#!/usr/bin/env python3
"""Validate bench/data/assistant_messages.jsonl (stdlib only).

Usage: python3 bench/data/check_assistant_messages.py [path]
Exits non-zero when any line is invalid; prints counts per language, region and intent.
"""

import datetime
import json
import re
import sys
from collections import Counter
from pathlib import Path

INTENTS = {"book", "availability", "cancel", "change", "menu", "hours", "human", "other"}
LANGUAGES = {"es", "en"}
REGIONS = {"es": {"EC", "CL", "MX", "AR", "ES"}, "en": {"US", "GB"}}
TOP_KEYS = {"text", "now", "language", "region", "expected"}
EXPECTED_KEYS = {"intent", "date", "time", "party_size", "name"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NOW_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$")


def check_row(row):
    errors = []
    if not isinstance(row, dict):
        return ["line is not a JSON object"]
    missing = TOP_KEYS - row.keys()
    extra = row.keys() - TOP_KEYS
    if missing:
        errors.append(f"missing keys {sorted(missing)}")
    if extra:
        errors.append(f"unexpected keys {sorted(extra)}")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append("text must be a non-empty string")
    now = row.get("now")
    if not isinstance(now, str) or not NOW_RE.match(now):
        errors.append(f"now {now!r} is not YYYY-MM-DDTHH:MM")
    else:
        try:
            datetime.datetime.fromisoformat(now)
        except ValueError:
            errors.append(f"now {now!r} is not a real datetime")
    lang = row.get("language")
    if lang not in LANGUAGES:
        errors.append(f"language {lang!r} not in {sorted(LANGUAGES)}")
    elif row.get("region") not in REGIONS[lang]:
        errors.append(f"region {row.get('region')!r} not valid for language {lang}")
    exp = row.get("expected")
    if not isinstance(exp, dict):
        errors.append("expected must be an object")
        return errors
    missing = EXPECTED_KEYS - exp.keys()
    extra = exp.keys() - EXPECTED_KEYS
    if missing:
        errors.append(f"expected: missing keys {sorted(missing)}")
    if extra:
        errors.append(f"expected: unexpected keys {sorted(extra)}")
    if exp.get("intent") not in INTENTS:
        errors.append(f"intent {exp.get('intent')!r} not in {sorted(INTENTS)}")
    date = exp.get("date")
    if date is not None:
        if not isinstance(date, str) or not DATE_RE.match(date):
            errors.append(f"date {date!r} is not YYYY-MM-DD")
        else:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                errors.append(f"date {date!r} is not a real date")
    time = exp.get("time")
    if time is not None and (not isinstance(time, str) or not TIME_RE.match(time)):
        errors.append(f"time {time!r} is not HH:MM (00:00-23:59)")
    party = exp.get("party_size")
    if party is not None and (isinstance(party, bool) or not isinstance(party, int) or party < 1):
        errors.append(f"party_size {party!r} must be a positive integer or null")
    name = exp.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or name != name.strip()):
        errors.append(f"name {name!r} must be a trimmed non-empty string or null")
    return errors


def main(argv):
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("assistant_messages.jsonl")
    n_errors = 0
    rows = []
    texts = Counter()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                print(f"{path}:{lineno}: blank line")
                n_errors += 1
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{lineno}: invalid JSON: {exc}")
                n_errors += 1
                continue
            for err in check_row(row):
                print(f"{path}:{lineno}: {err}")
                n_errors += 1
            rows.append(row)
            if isinstance(row, dict):
                texts[row.get("text")] += 1
    for text, n in texts.items():
        if n > 1:
            print(f"warning: duplicate text x{n}: {text!r}")

    rows = [r for r in rows if isinstance(r, dict)]
    exp = [r.get("expected") or {} for r in rows]
    print(f"\n{len(rows)} messages, {n_errors} error(s)")
    for title, counter in (
        ("language", Counter(r.get("language") for r in rows)),
        ("region", Counter(r.get("region") for r in rows)),
        ("intent", Counter(e.get("intent") for e in exp)),
        (
            "language x intent",
            Counter(f"{r.get('language')}/{(r.get('expected') or {}).get('intent')}" for r in rows),
        ),
        ("now", Counter(r.get("now") for r in rows)),
    ):
        print(f"\n{title}:")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            print(f"  {key}: {n}")
    print("\nnon-null entities:")
    for key in ("date", "time", "party_size", "name"):
        print(f"  {key}: {sum(1 for e in exp if e.get(key) is not None)}")
    return 1 if n_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
