"""The JSON Schemas in schema/ are generated from the model and kept in step with it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yusuan.cli import app

SCHEMA = Path(__file__).parent.parent / "schema"


@pytest.mark.parametrize("what", ["disclosure", "report"])
def test_committed_schema_is_current(what: str) -> None:
    result = CliRunner().invoke(app, ["schema", what])
    assert json.loads(result.output) == json.loads((SCHEMA / f"{what}.schema.json").read_text("utf-8")), (
        f"regenerate: yusuan schema {what} > schema/{what}.schema.json")


def test_schema_describes_the_contract() -> None:
    schema = json.loads((SCHEMA / "disclosure.schema.json").read_text("utf-8"))
    table = schema["$defs"]["Table"]["properties"]
    assert table["columns"]["items"]["type"] == "string"
    row = schema["$defs"]["Row"]["properties"]
    assert {"code", "label", "values", "raw", "source"} <= set(row)
