"""The ``settings`` verb: the store's settings, as declared in app/models/store/settings.py.

``casebook settings --store PATH [--json] [--set KEY=VALUE ...]``

Lists every store setting (secrets are never shown) with its value in force, its limits and
what it is for.  ``--set KEY=VALUE`` (repeatable) changes settings: all are checked first and
saved in one transaction, so one bad value changes nothing.  VALUE is a whole number or a
text as the setting needs; an empty VALUE restores the default; for a setting made of named
numbers (intensity_weeks) give ``KEY.NAME=N`` (``intensity_weeks.high=4``) or a JSON object.
Exit status 0 when done, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, open_store
from app.models.store import settings as S


def register(sub: Any) -> None:
    p = sub.add_parser("settings", help="list or change the store's settings (deadline policy, team, backups)")
    add_store_arg(p)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="assignments",
                   help="change a setting (repeatable; an empty VALUE restores the default)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_settings)


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` texts as {key: value} typed by the declarations (CliError when wrong)."""
    out: dict[str, Any] = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CliError(f"--set {text!r}: give KEY=VALUE")
        name = None
        if "." in key:
            key, name = key.split(".", 1)
        if key not in S.REGISTRY:
            raise CliError(f"--set: unknown store setting {key!r} (casebook settings lists them)")
        decl = S.REGISTRY[key]
        if not decl.editable or decl.secret:
            raise CliError(f"--set: {key} is kept by Casebook itself and cannot be set")
        value = _value(decl, raw.strip(), name, text)
        if name is not None:
            value = {**(out.get(key) or {}), **value}
        out[key] = value
    return out


def _value(decl: S.Setting, raw: str, name: str | None, text: str) -> Any:
    if name is not None and decl.type is not dict:
        raise CliError(f"--set {text!r}: {decl.key} has no parts")
    if raw == "":
        if name is not None:
            raise CliError(f"--set {text!r}: give a value for {decl.key}.{name}")
        return None
    if decl.type is dict:
        if name is not None:
            return {name: _whole(raw, text)}
        try:
            value = json.loads(raw)
        except ValueError:
            raise CliError(f"--set {text!r}: give {decl.key}.NAME=N or a JSON object") from None
        if not isinstance(value, dict):
            raise CliError(f"--set {text!r}: give {decl.key}.NAME=N or a JSON object")
        return value
    if decl.type is int:
        return _whole(raw, text)
    return raw


def _whole(raw: str, text: str) -> int:
    try:
        return int(raw, 10)
    except ValueError:
        raise CliError(f"--set {text!r}: {raw!r} is not a whole number") from None


def _describe(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def cmd_settings(args: argparse.Namespace) -> int:
    wanted = parse_assignments(args.assignments)
    S.Settings.check(wanted)  # before unlocking: a bad value changes nothing
    with open_store(args) as store:
        if wanted:
            store.settings.update(wanted)
        values = store.settings.values()
    shown = [d for d in S.REGISTRY.values() if not d.secret]
    if args.json:
        json.dump({d.key: {"value": values[d.key], "default": d.default, "type": d.type.__name__,
                           "limits": list(d.limits) if d.limits else None, "label": d.label, "help": d.help,
                           "editable": d.editable, "group": d.group} for d in shown},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if wanted:
        print(f"saved {', '.join(sorted(wanted))}")
    for d in shown:
        if not d.editable:
            continue
        span = f"  [{d.limits[0]}-{d.limits[1]}]" if d.limits else ""
        print(f"{d.key:<34} {_describe(values[d.key])}{span}  ({d.label})")
    return EXIT_OK
