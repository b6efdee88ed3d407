"""The bundled schema keeps the shared spec (version 1) intact: version 2 only adds to it
(appointments, enforcement), so every version 1 bundle still validates and imports."""

import json
from pathlib import Path

import pytest

from app.paths import resource_path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "case-bundle.schema.json"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ spec folder not beside this checkout")
def test_bundled_schema_extends_shared_spec() -> None:
    shared = json.loads(SHARED.read_text(encoding="utf-8"))
    bundled = json.loads(resource_path("schema/case-bundle.schema.json").read_text(encoding="utf-8"))
    for name, definition in shared["$defs"].items():
        if name == "case":
            for key, value in definition["properties"].items():
                assert bundled["$defs"]["case"]["properties"][key] == value, key
            assert bundled["$defs"]["case"]["required"] == definition["required"]
        else:
            assert bundled["$defs"][name] == definition, name
    assert 1 in bundled["properties"]["version"]["enum"]
    assert set(bundled["properties"]) == set(shared["properties"])
