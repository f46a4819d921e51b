#!/usr/bin/env python3
"""Write a JSON Schema (draft-07) of a Currents request body from assets/currents-catalogue.json.

It is the schema a team would write to check Currents payloads with a JSON Schema validator, and it fails
exactly where `tdbraze validate currents` reports an error:

  * the body is an object with an "events" array;
  * every event is an object with event_type (string), id (string), time (integer), user and properties
    (objects);
  * user.device_id / external_user_id / timezone / user_id, when present, are strings or null;
  * for a known event type, each catalogue field has its JSON type (null allowed unless the field is
    required) and every required field is present and not null. Unknown event types only get the
    envelope checks, and unknown fields are allowed: tdbraze only warns about them.

With --strict the schema also fails on what tdbraze only warns about, as far as JSON Schema can say it (the
counterpart of `tdbraze validate currents --strict`): unknown members and fields, unknown event types and
ones never sent over HTTP, missing or null expected fields, batches over 100 events, times in milliseconds,
before 2010 or (with --now) in the future, and the value formats of core/src/value_formats.cpp. What it
cannot say: duplicate ids, the 900 KiB event and 1 MiB request limits.

Event types are dispatched with ajv's "discriminator" keyword (a switch on event_type) rather than one
if/then per type, so an event costs one lookup, not 97 comparisons; --dispatch if-then gives the portable
form for validators without that keyword.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "assets" / "currents-catalogue.json"
TIMEZONES = REPO / "assets" / "iana-timezones.txt"

COMMON_USER_FIELDS = ["device_id", "external_user_id", "timezone", "user_id"]  # core/src/catalogue.cpp
EPOCH_2010 = 1262304000
MILLISECONDS_THRESHOLD = 100000000000
MAX_EVENTS_PER_BATCH = 100

# value_formats.cpp: the fields Braze fills with UUIDs, and the values that pass any format check because
# a Currents transformation replaced them (empty, "[REDACTED]", a SHA-256 hex digest).
UUID_FIELDS = {"app_group_id", "app_id", "campaign_id", "canvas_id", "canvas_step_id", "canvas_variation_id",
               "message_variation_id"}
PLATFORMS = ["android", "ios", "kindle", "roku", "tvos", "web", "windows", "watchos", "macos"]
TRANSFORMED = r"|\[REDACTED\]|[0-9a-fA-F]{64}"
HEX = "[0-9a-fA-F]"
UUID = f"{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}"

BASE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "object": "object", "array<string>": "array"}


def field_schema(json_type: str, nullable: bool) -> dict:
    base = BASE_TYPES.get(json_type)
    if base is None:
        raise SystemExit(f"make_schema: unknown json_type {json_type!r} in the catalogue")
    schema: dict = {"type": [base, "null"] if nullable else base}
    if json_type == "array<string>":
        schema["items"] = {"type": "string"}
    return schema


def with_format(schema: dict, section: str, field: str, timezones: list[str]) -> dict:
    """Adds the check tdbraze makes of the field's text (a warning there, so only used with --strict)."""
    if section == "user":
        if field == "user_id":
            schema["pattern"] = f"^(?:{HEX}{{24}}{TRANSFORMED})$"
        elif field == "timezone":
            # An enum is a hash-free linear scan in ajv, but so is any alternative; the list is what tdbraze uses.
            schema["anyOf"] = [{"not": {"type": "string"}}, {"enum": timezones + ["", "[REDACTED]"]},
                               {"pattern": f"^{HEX}{{64}}$"}]
        return schema
    if field in UUID_FIELDS:
        schema["pattern"] = f"^(?:{UUID}{TRANSFORMED})$"
    elif field.endswith("phone_number"):
        schema["pattern"] = rf"^(?:\+[1-9][0-9]{{6,14}}{TRANSFORMED})$"
    elif field == "platform":
        schema["pattern"] = "^(?:" + "|".join(PLATFORMS) + TRANSFORMED + ")$"
    return schema


def section_schema(fields: dict, section: str, strict: bool, timezones: list[str], extra_user: bool) -> dict:
    props: dict = {}
    required: list[str] = []
    if extra_user:
        for f in COMMON_USER_FIELDS:
            props[f] = field_schema("string", True)
    for name, spec in fields.items():
        presence = spec["presence"]
        must = presence == "required" or (strict and presence == "expected")
        props[name] = field_schema(spec["json_type"], not must)
        if must:
            required.append(name)
    if strict:
        for name in props:
            json_type = fields[name]["json_type"] if name in fields else "string"
            if json_type == "string":
                with_format(props[name], section, name, timezones)
    out: dict = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if strict:
        out["additionalProperties"] = False
    return out


def build(catalogue: dict, strict: bool, dispatch: str, now: int | None, timezones: list[str]) -> dict:
    names = sorted(n for n, spec in catalogue.items() if not strict or spec.get("http", True))
    per_type = {}
    for name in names:
        spec = catalogue[name]
        per_type[name] = {
            "type": "object",
            "properties": {
                "event_type": {"const": name},
                "user": section_schema(spec["user"], "user", strict, timezones, extra_user=strict),
                "properties": section_schema(spec["properties"], "properties", strict, timezones, extra_user=False),
            },
        }

    time_schema: dict = {"type": "integer"}
    if strict:
        time_schema["minimum"] = EPOCH_2010
        time_schema["maximum"] = (now + 86400) if now is not None else MILLISECONDS_THRESHOLD - 1
    user_schema: dict = {"type": "object"}
    if not strict:  # strict: each type's own user schema lists the common fields and closes the object
        user_schema["properties"] = {f: field_schema("string", True) for f in COMMON_USER_FIELDS}

    event: dict = {
        "type": "object",
        "required": ["event_type", "id", "time", "user", "properties"],
        "properties": {
            "event_type": {"type": "string"},
            "id": {"type": "string"},
            "time": time_schema,
            "user": user_schema,
            "properties": {"type": "object"},
        },
    }
    if strict:
        event["additionalProperties"] = False

    refs = [{"$ref": f"#/definitions/{name}"} for name in names]
    if dispatch == "discriminator":
        by_type = {"required": ["event_type"], "discriminator": {"propertyName": "event_type"}, "oneOf": refs}
        if strict:
            event.update(by_type)  # an unknown event type is an error: the switch has no default
        else:
            # Unknown types are only warned about, so the switch runs for known names only.
            event["if"] = {"properties": {"event_type": {"enum": names}}}
            event["then"] = by_type
    else:
        event["allOf"] = [{"if": {"properties": {"event_type": {"const": name}}}, "then": {"$ref": f"#/definitions/{name}"}}
                          for name in names]
        if strict:
            event["properties"]["event_type"]["enum"] = names

    events: dict = {"type": "array", "items": {"$ref": "#/definitions/event"}}
    if strict:
        events["maxItems"] = MAX_EVENTS_PER_BATCH
    body: dict = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Braze Currents request body" + (" (strict)" if strict else ""),
        "description": "Generated by bench/currents/make_schema.py from assets/currents-catalogue.json.",
        "type": "object",
        "required": ["events"],
        "properties": {"events": events},
        "definitions": {"event": event, **per_type},
    }
    if strict:
        body["additionalProperties"] = False
    return body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--strict", action="store_true", help="also fail on what tdbraze only warns about")
    ap.add_argument("--dispatch", choices=["discriminator", "if-then"], default="discriminator",
                    help="how the per-type schemas are chosen (default: ajv's discriminator keyword)")
    ap.add_argument("--now", type=int, help="with --strict: epoch seconds of now, for the future-time check")
    ap.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    ap.add_argument("--catalogue", default=str(CATALOGUE))
    args = ap.parse_args()

    catalogue = json.loads(Path(args.catalogue).read_text(encoding="utf-8"))["events"]
    timezones = [line.strip() for line in TIMEZONES.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    text = json.dumps(build(catalogue, args.strict, args.dispatch, args.now, timezones), indent=1, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
