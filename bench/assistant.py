"""The WhatsApp assistant's understanding, scored through its outside door.

Feeds the labelled set (``bench/data/assistant_messages.jsonl``: Spanish of Ecuador, Chile,
Mexico, Argentina and Spain, and English) to ``manage.py assistant_parse`` — the command
anyone can run — one run per "now" the messages were written at, and prints intent
accuracy and full-entity accuracy (date, time, party size and name all exact) per language
and per intent, the entities' own accuracies, the confusion matrix, and the misses; then the
same set through ``assistant_parse --engine openai`` (one line of figures), or a line saying it
was not measured when no ``OPENAI_API_KEY`` is set; then the adversarial set of
``bench/assistant_attacks.py`` with both engines (unauthorised tool effects, disclosures).
Run with ``python3 dev.py bench assistant``.
"""

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench import assistant_attacks  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402

LABELLED = ROOT / "bench" / "data" / "assistant_messages.jsonl"
SLUG = "bench-assistant"
INTENTS = ["book", "availability", "cancel", "change", "menu", "hours", "human", "other"]
ENTITIES = ["date", "time", "party_size", "name"]
TARGET_INTENT, TARGET_ENTITIES = 95.0, 90.0


def parsed_by_the_command(rows: list[dict], engine: str = "offline") -> list[dict]:
    """What ``assistant_parse`` answers for each row, in order, one run per ``now``."""
    by_now: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_now[row["now"]].append(index)
    answers: list[dict | None] = [None] * len(rows)
    for now, indexes in by_now.items():
        lines = "".join(json.dumps({"text": rows[i]["text"]}) + "\n" for i in indexes)
        done = subprocess.run(
            [
                *(sys.executable, "manage.py", "assistant_parse", "--restaurant", SLUG),
                *("--now", now, "--engine", engine),
            ],
            input=lines,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        outputs = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if len(outputs) != len(indexes):
            sys.exit(f"assistant_parse answered {len(outputs)} lines for {len(indexes)}")
        for index, output in zip(indexes, outputs, strict=True):
            answers[index] = output
    return answers


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def overall(rows: list[dict], answers: list[dict]) -> tuple[float, float]:
    """Intent accuracy and full-entity accuracy over the whole set, in percent."""
    intent_right = full_right = 0
    for row, answer in zip(rows, answers, strict=True):
        expected = row["expected"]
        intent_ok = answer["intent"] == expected["intent"]
        intent_right += intent_ok
        full_right += intent_ok and all(answer.get(name) == expected[name] for name in ENTITIES)
    return percent(intent_right, len(rows)), percent(full_right, len(rows))


def main() -> int:
    restaurant_provision(
        name="Bench assistant",
        slug=SLUG,
        plan="basic",
        timezone="America/Guayaquil",
        currency="USD",
        language="es",
        manager_email="manager@bench-assistant.test",
        manager_password="bench-assistant-password",
    )
    rows = [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]
    answers = parsed_by_the_command(rows)

    intent_right: Counter = Counter()
    all_right: Counter = Counter()
    totals: Counter = Counter()
    entity_right: Counter = Counter()
    confusion: Counter = Counter()
    misses = []
    for row, answer in zip(rows, answers, strict=True):
        expected = row["expected"]
        groups = ["all", f"language {row['language']}", f"intent {expected['intent']}"]
        intent_ok = answer["intent"] == expected["intent"]
        entities_ok = all(answer.get(name) == expected[name] for name in ENTITIES)
        confusion[(expected["intent"], answer["intent"])] += 1
        for name in ENTITIES:
            entity_right[name] += answer.get(name) == expected[name]
        for group in groups:
            totals[group] += 1
            intent_right[group] += intent_ok
            all_right[group] += intent_ok and entities_ok
        if not (intent_ok and entities_ok):
            wrong = {
                key: (expected[key], answer.get(key))
                for key in ["intent", *ENTITIES]
                if answer.get(key) != expected[key]
            }
            misses.append((row["language"], row["region"], row["text"], wrong))

    print(f"Assistant understanding: {len(rows)} labelled messages through assistant_parse")
    print(f"  {'group':<22} {'messages':>8} {'intent %':>9} {'intent+entities %':>18}")
    for group in sorted(totals, key=lambda name: (name != "all", name)):
        print(
            f"  {group:<22} {totals[group]:>8} {percent(intent_right[group], totals[group]):>9.1f}"
            f" {percent(all_right[group], totals[group]):>18.1f}"
        )
    print("  entities alone: " + ", ".join(
        f"{name} {percent(entity_right[name], len(rows)):.1f} %" for name in ENTITIES
    ))  # fmt: skip
    print("\nConfusion matrix (rows: labelled, columns: understood)")
    print("  " + " " * 13 + "".join(f"{intent[:6]:>7}" for intent in INTENTS))
    for labelled in INTENTS:
        print(
            f"  {labelled:<13}"
            + "".join(f"{confusion[(labelled, understood)]:>7}" for understood in INTENTS)
        )
    print(f"\nMisses ({len(misses)}), labelled → understood:")
    for language, region, text, wrong in misses:
        details = "; ".join(f"{key} {want!r} → {got!r}" for key, (want, got) in wrong.items())
        print(f"  [{language}-{region}] {text[:90]!r}: {details}")

    intent_score = percent(intent_right["all"], totals["all"])
    full_score = percent(all_right["all"], totals["all"])
    print("\nTargets")
    for label, score, target in [
        ("intent accuracy", intent_score, TARGET_INTENT),
        ("full-entity accuracy", full_score, TARGET_ENTITIES),
    ]:
        verdict = "met" if score >= target else "MISSED"
        print(f"  {label} ≥ {target:.0f} %: {score:.1f} %  {verdict}")

    print("\nEngines (intent %, intent+entities %)")
    print(f"  offline (rules)      {intent_score:5.1f} {full_score:5.1f}")
    if settings.OPENAI_API_KEY:
        model_intent, model_full = overall(rows, parsed_by_the_command(rows, engine="openai"))
        print(f"  openai (model)       {model_intent:5.1f} {model_full:5.1f}")
    else:
        print("  openai (model)       not measured: no OPENAI_API_KEY set")

    # The adversarial set, in a restaurant of its own (the demo's tables, hours and menu).
    figures = assistant_attacks.run(assistant_attacks.restaurant_ready())
    print("\nTargets under attack")
    for engine, figure in figures.items():
        for label, count, target in [
            ("unauthorised tool effects", figure["effects"], assistant_attacks.TARGET_EFFECTS),
            ("disclosures", figure["disclosures"], assistant_attacks.TARGET_DISCLOSURES),
        ]:
            verdict = "met" if count <= target else "MISSED"
            print(f"  {engine:<12} {label} = {target}: {count}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
