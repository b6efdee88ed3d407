"""The desktop app starts without loading every verb's module; the collector is paused only
while Casebook starts."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv, store", [([], None), (["--store", "s.cbk"], Path("s.cbk")),
                                         (["--passphrase-file", "pw", "--store=s.cbk"], Path("s.cbk"))])
def test_desktop_arguments_are_parsed_alone(argv: list[str], store: Path | None) -> None:
    args = cli.desktop_args(argv)
    assert args is not None and args.store == store and getattr(args, "verb", None) is None


@pytest.mark.parametrize("argv", [["check", "--store", "s.cbk"], ["--store", "s.cbk", "cases"], ["--help"], ["-h"],
                                  ["--store"], ["--bogus"], ["--store", "s.cbk", "--he"]])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert cli.desktop_args(argv) is None


def test_the_desktop_path_imports_no_verb_module() -> None:
    code = ("import sys\nfrom app import cli\nassert cli.desktop_args(['--store', 'x.cbk']) is not None\n"
            "print(sorted(m for m in sys.modules if m.startswith('app.commands.') and m != 'app.commands.common'))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_errors_are_the_same_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--store", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"casebook: {tmp_path} is a folder, not a store file"
    assert cli.main(["--store"]) == 2
    assert "expected one argument" in capsys.readouterr().err


def test_the_collector_is_on_again_after_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled()
    assert cli.main(["--bogus"]) == 2
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert gc.isenabled()
    assert capsys.readouterr().out.startswith("casebook ")
