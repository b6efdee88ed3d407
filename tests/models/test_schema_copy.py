from pathlib import Path

import pytest

from app.paths import resource_path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "case-bundle.schema.json"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ spec folder not beside this checkout")
def test_bundled_schema_matches_shared_spec() -> None:
    assert resource_path("schema/case-bundle.schema.json").read_bytes() == SHARED.read_bytes()
