#!/usr/bin/env python3
"""Validates JSON on stdin against a schema of docs/json/ (JSON Schema draft 2020-12).

usage: json_validate.py SCHEMA_FILE       (the document on stdin)
       json_validate.py --check-schemas FILE...   (each file is a valid schema)
Prints one line per violation, with its JSON path; exit 1 when there is any.
"""
import json
import os
import re
import sys

import jsonschema


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--check-schemas":
        bad = 0
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                print(f"{path}: not a valid schema: {e.message}")
                bad = 1
            for key in ("$schema", "$id", "title", "description"):
                if key not in schema:
                    print(f"{path}: no {key}")
                    bad = 1
            # docs/json.md, Versioning: NAME.schema.json is major 1, NAME.vMAJOR.schema.json
            # is MAJOR, and the $id says the same: urn:vserver-ng:json:NAME:MAJOR.
            m = re.fullmatch(r"(.+?)(?:\.v([1-9][0-9]*))?\.schema\.json", os.path.basename(path))
            want = f"urn:vserver-ng:json:{m.group(1)}:{m.group(2) or 1}" if m else None
            if "$id" in schema and schema["$id"] != want:
                print(f"{path}: $id is {schema['$id']!r}, docs/json.md wants {want!r}")
                bad = 1
        return bad
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"not JSON: {e}: {text[:200]!r}")
        return 1
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                    key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        print(f"{sys.argv[1]}: at {e.json_path}: {e.message[:300]}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
