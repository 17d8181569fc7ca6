"""Config loading: unknown keys, missing files and unknown teachers are one-line errors, exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipelines.config import load_config
from schemas.errors import ConfigError


def _edit(example_dir: Path, change) -> Path:  # type: ignore[no-untyped-def]
    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw))
    return path


def test_example_config_loads(example_dir: Path) -> None:
    cfg = load_config(example_dir / "config.yaml")
    assert cfg.data.trusted == (example_dir / "trusted.csv").resolve()
    assert len(cfg.data.labels) == 10
    assert cfg.teacher.kind == "vllm"


def test_unknown_key_names_key_and_file(example_dir: Path) -> None:
    path = _edit(example_dir, lambda raw: raw["teacher"].update(temprature=0.5))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "teacher.temprature" in str(info.value)
    assert str(path) in str(info.value)


def test_overrides_are_validated(example_dir: Path) -> None:
    cfg = load_config(example_dir / "config.yaml", {"seed": 7, "n": 3})
    assert (cfg.seed, cfg.n) == (7, 3)
    with pytest.raises(ConfigError, match="'n'"):
        load_config(example_dir / "config.yaml", {"n": 0})


def test_values_that_are_no_count_or_no_label_are_refused(example_dir: Path) -> None:
    config = example_dir / "config.yaml"
    for overrides, expected in (
        ({"n": True}, "'n': Input should be a valid integer"),
        ({"n": 10**20}, "'n': Input should be less than or equal to 1000000000"),
        ({"data.labels": ["card_arrival", " "]}, "label 2 is blank"),
    ):
        with pytest.raises(ConfigError, match=re.escape(expected)):
            load_config(config, overrides)


def test_without_data_labels_the_labels_come_from_the_trusted_rows(example_dir: Path) -> None:
    from generators.registry import REGISTRY
    from pipelines.trusted import read_trusted

    config = load_config(_edit(example_dir, lambda raw: raw["data"].pop("labels")))
    assert config.data.labels == []
    frame = read_trusted(config)  # the generator's column check on no rows: no label to choose
    generator = REGISTRY.get(config.generator)(config.generator_context(), frame)
    assert (
        generator.labels == sorted(set(frame["category"].to_list())) and len(generator.labels) == 10
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda raw: raw.update(colour="blue"), "unknown key 'colour'"),
        (lambda raw: raw["data"].update(trusted="nope.csv"), "trusted sample"),
        (lambda raw: raw["teacher"].update(kind="gpt5"), "unknown teacher 'gpt5'"),
    ],
)
def test_cli_config_errors_exit_2_with_one_line(example_dir: Path, change, expected) -> None:  # type: ignore[no-untyped-def]
    path = _edit(example_dir, change)
    proc = _cli("generate", str(path), "--n", "2", "--out", str(example_dir / "out"))
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0]
    assert not (example_dir / "out" / "manifest.json").exists()


def test_cli_unknown_teacher_flag_exits_2(example_dir: Path) -> None:
    proc = _cli(
        "generate", str(example_dir / "config.yaml"), "--teacher", "nope", "--out", str(example_dir)
    )
    assert proc.returncode == 2
    assert "unknown teacher 'nope'" in proc.stderr


def test_a_key_given_twice_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys; a config with `drift:` twice would lose half."""
    from pipelines.config import load_config

    path = tmp_path / "config.yaml"
    path.write_text("name: x\ndata:\n  trusted: t.csv\ndrift:\n  alpha: 0.1\ndrift:\n  seed: 2\n")
    with pytest.raises(ConfigError, match=r"line 6, column 1 \(key 'drift' is given twice\)"):
        load_config(path)


def test_a_mistake_in_a_settings_file_names_its_line_and_the_known_keys(tmp_path: Path) -> None:
    """pydantic names the key; the line and the keys known at that place come from the file."""
    from pipelines.config import RunConfig, load_config
    from schemas.settings_file import known_keys

    path = tmp_path / "config.yaml"
    path.write_text(
        "name: x\ndata:\n  trusted: t.csv\nexport:\n  format: gguf\n  qant: q8_0\n"
        "finetune:\n  eval:\n    few_shots: 3\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}:6: unknown key 'export.qant' (known here: "), message
    assert "quant" in message and "base_gguf" in message  # through `ExportConfig | None`
    path.write_text("name: x\ndata:\n  trusted: t.csv\nfinetune:\n  eval:\n    few_shots: 3\n")
    with pytest.raises(ConfigError, match=r"config.yaml:6: unknown key 'finetune.eval.few_shots'"):
        load_config(path)
    # a value from the command line is not blamed on a line of the file
    path.write_text("name: x\nn: 5\ndata:\n  trusted: t.csv\n")
    with pytest.raises(ConfigError, match="with the command's options: 'n'"):
        load_config(path, {"n": 0})
    assert "source" not in known_keys(RunConfig, ())  # set by the loader, not by the user
    assert known_keys(RunConfig, ("data", "trusted")) == []  # a value, not a mapping


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("? [a, b]\n: 1\n", "not valid YAML at line 1"),  # an unhashable key
        ("name: 2026-02-30\n", "not valid YAML (day is out of range"),  # a date that is none
        ("a: &x [*x]\n", ":1: unknown key 'a'"),  # a recursive alias
        ("drift:\n  1: 2\n", ":2: '1': Keys should be strings"),  # a key that is a number
    ],
)
def test_odd_yaml_is_one_line_not_a_traceback(tmp_path: Path, text: str, expected: str) -> None:
    from validators.drift.config import load_drift_config

    path = tmp_path / "drift.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_drift_config(path)


def test_yaml_merge_keys_and_empty_sections(tmp_path: Path) -> None:
    """`<<: *base` merges as PyYAML does (not "given twice"); a command-line value for a section
    left empty in the file fills it; one for a section that is a plain value names its line."""
    from pipelines.config import load_config
    from validators.drift.config import load_drift_config

    path = tmp_path / "drift.yaml"
    path.write_text("base: &b\n  alpha: 0.1\ndrift:\n  <<: *b\n  seed: 3\n")
    assert (load_drift_config(path).alpha, load_drift_config(path).seed) == (0.1, 3)
    (tmp_path / "t.csv").write_text("text,label\nhi,a\n")
    path = tmp_path / "config.yaml"
    path.write_text("name: x\ndata:\n  trusted: t.csv\nteacher:\n")
    assert load_config(path, {"teacher.kind": "transformers"}).teacher.kind == "transformers"
    path.write_text("name: x\ndata:\n  trusted: t.csv\nteacher: vllm\n")
    with pytest.raises(ConfigError, match=r"config.yaml:4: 'teacher' must be a mapping"):
        load_config(path, {"teacher.kind": "transformers"})


def test_a_bad_row_of_a_jsonl_file_is_named_by_its_line(tmp_path: Path) -> None:
    """JSONL has lines too (blank ones are not rows): not "row N" as in Parquet."""
    from schemas.tables import read_table, require_filled

    path = tmp_path / "ids.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n\n{"id": "", "text": "y"}\n')
    with pytest.raises(ConfigError, match=r"ids.jsonl:3: field 'id' is empty; fix it"):
        require_filled(path, read_table(path), "id", "fix it")
