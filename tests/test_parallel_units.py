"""The split/merge pieces of the `ray` target, without a cluster: they must equal the local path."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from pipelines.config import load_config
from pipelines.lanes import Lane, in_chunk_order, lane_teacher_config, plan_lanes
from schemas.errors import ConfigError
from schemas.stage import spans
from validators.dedup import dedup_frame
from validators.dedup.config import DedupConfig
from validators.dedup.minhash import Signer
from validators.dedup.sketch import merge_sketches, sketch, sketch_rows
from validators.drift import DriftConfig, drift_report
from validators.drift.text import merge_summaries, summarise_texts, text_features

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT / "examples" / "banking77" / "banking77_train_full.csv"


def _texts(n: int, seed: int) -> list[str]:
    """Real banking77 messages with exact copies, case/space variants and one-word edits."""
    rng = random.Random(seed)
    base = pl.read_csv(BANKING)["text"].to_list()[:n]
    out = list(base)
    for _ in range(n // 3):
        t = rng.choice(base)
        kind = rng.randrange(3)
        if kind == 0:
            out.append(t)
        elif kind == 1:
            out.append("  " + t.upper() + " ")
        else:
            words = t.split()
            words[rng.randrange(len(words))] = "zeppelin"
            out.append(" ".join(words))
    out += ["", "...", " "]
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("batch", [1, 97, 1000, 5000])
def test_merged_batch_sketches_equal_whole_column_sketch(batch: int) -> None:
    texts = pl.Series(_texts(1500, seed=batch))
    signer = Signer(DedupConfig(shingle="char", shingle_size=4))
    whole = sketch(texts, signer, workers=2)
    parts = [sketch_rows(texts.slice(lo, k), signer) for lo, k in spans(texts.len(), batch)]
    merged = merge_sketches(parts)
    assert whole.rows.size < texts.len()  # the input does hold exact duplicates
    for name in ("first", "rows", "signatures", "has_shingles"):
        assert np.array_equal(getattr(whole, name), getattr(merged, name)), name


def test_dedup_with_batch_sketches_keeps_the_same_records() -> None:
    texts = _texts(2000, seed=7)
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts})
    reference = pl.DataFrame({"id": ["t1", "t2"], "text": [texts[3], texts[10] + " please"]})
    config = DedupConfig(shingle="char", shingle_size=4, threshold=0.7)
    local = dedup_frame(frame, config, reference=reference)
    signer = Signer(config)
    parts = [sketch_rows(frame["text"].slice(lo, k), signer) for lo, k in spans(frame.height, 333)]
    spread = dedup_frame(frame, config, reference=reference, sketches=merge_sketches(parts))
    assert local.report["by_reason"]["near_duplicate"] > 0
    assert local.report["by_reason"]["exact_duplicate"] > 0
    assert local.kept["id"].to_list() == spread.kept["id"].to_list()
    assert [r.model_dump() for r in local.rejections] == [r.model_dump() for r in spread.rejections]


def test_lanes_cover_every_chunk_once_and_merge_in_chunk_order(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"n": 100, "build": {"chunk_size": 8}, "teacher": {"kind": "openai"}})
    requests = cfg.requests()  # n times the example's oversampling
    for engines in (1, 2, 3, 40):
        lanes = plan_lanes(cfg, engines)
        assert len(lanes) == min(engines, -(-requests // 8))
        dealt = sorted(c for lane in lanes for c in lane.chunks)
        assert dealt == spans(requests, 8)
    lanes = [Lane(0, None, ((0, 8), (16, 8))), Lane(1, None, ((8, 8),))]
    merged = in_chunk_order(lanes, [["a", "c"], ["b"]])
    assert merged == ["a", "b", "c"]


def test_endpoints_make_one_lane_each(tmp_path: Path) -> None:
    urls = ["http://127.0.0.1:9001/v1", "http://127.0.0.1:9002/v1"]
    cfg = _config(
        tmp_path,
        {"n": 40, "build": {"chunk_size": 8}, "teacher": {"kind": "openai", "endpoints": urls}},
    )
    lanes = plan_lanes(cfg, 1)
    assert [lane.endpoint for lane in lanes] == urls
    assert lane_teacher_config(cfg.teacher, lanes[1]).base_url == urls[1]
    # Where a record runs is not what the run is: the endpoints do not change the config hash.
    other = _config(tmp_path, {"n": 40, "build": {"chunk_size": 8}, "teacher": {"kind": "openai"}})
    assert cfg.config_hash() == other.config_hash()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"execution": {"engines": 2}}, "needs execution.target: ray"),
        ({"execution": {"target": "slurm"}}, "execution.target"),
        ({"execution": {"workers": 2}}, "unknown key 'execution.workers'"),
        ({"teacher": {"endpoints": ["http://x/v1"]}}, "teacher.endpoints needs teacher.kind"),
        (
            {"teacher": {"kind": "openai"}, "execution": {"engines": 2, "target": "ray"}},
            "list the servers in teacher.endpoints",
        ),
    ],
)
def test_bad_execution_settings_are_one_line_config_errors(
    tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, changes)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def _config(tmp_path: Path, changes: dict[str, object]):  # type: ignore[no-untyped-def]
    raw = yaml.safe_load((ROOT / "examples" / "banking77" / "config.yaml").read_text())
    raw["data"]["trusted"] = str(ROOT / "examples" / "banking77" / "trusted.csv")
    raw["data"]["held_out"] = None
    for key, value in changes.items():
        if isinstance(value, dict):
            raw.setdefault(key, {}).update(value)
        else:
            raw[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_config(path)


def test_drift_from_batch_summaries_equals_drift_from_the_whole_frame() -> None:
    rows = pl.read_csv(BANKING).sample(n=3000, seed=5, shuffle=True)
    reference = rows.head(200).rename({"category": "label"})
    candidate = rows.slice(200).rename({"category": "label"})
    config = DriftConfig(label_field="label", text_fields=("text",))
    whole = text_features(reference["text"], candidate["text"], config.max_vocabulary)
    parts = [summarise_texts(reference["text"])] + [
        summarise_texts(candidate["text"].slice(lo, k)) for lo, k in spans(2800, 333)
    ]
    merged = merge_summaries(parts, reference.height, config.max_vocabulary)
    assert merged.vocabulary == whole.vocabulary and len(whole.vocabulary) > 100
    assert np.array_equal(merged.chars, whole.chars) and np.array_equal(merged.words, whole.words)
    assert (merged.counts != whole.counts).nnz == 0
    local = drift_report(reference, candidate, config)
    spread = drift_report(reference, candidate, config, {"text": merged})
    assert local.model_dump() == spread.model_dump()
    assert {c.check for c in local.checks} >= {"vocabulary", "char_length", "label_from_text"}


def test_every_stage_gives_the_same_result_for_any_batch_size() -> None:
    """The one stage interface: map over any batching, then reduce, is the same result."""
    from schemas.stage import run_stage
    from validators.dedup.stage import DedupStage
    from validators.drift.stage import DriftStage
    from validators.pii.config import PIIConfig
    from validators.pii.stage import ScrubStage

    rows = pl.read_csv(BANKING).sample(n=1200, seed=3, shuffle=True).rename({"category": "label"})
    texts = _texts(600, seed=11)
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts})
    reference = pl.DataFrame({"id": ["t1"], "text": [texts[5]]})
    dedup = DedupStage(DedupConfig(shingle="char", shingle_size=4, threshold=0.7), reference)
    drift = DriftStage(DriftConfig(label_field="label"), rows.head(200), ["text"])
    pii = frame.head(40).with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(pl.col("text") + " Call Maria Lopez on +44 7700 900123.")
        .otherwise(pl.col("text"))
    )
    scrub = ScrubStage(PIIConfig(), ["text"])
    results = {
        size: (
            run_stage(dedup, frame, size),
            run_stage(drift, rows.slice(200), size),
            run_stage(scrub, pii, size),
        )
        for size in (7, 333, 100_000)
    }
    whole_dedup, whole_drift, whole_pii = results[100_000]
    assert whole_dedup.rejections and whole_dedup.kept.height < frame.height
    assert {r.reason.value for r in whole_dedup.rejections} >= {
        "leak_of_trusted",
        "exact_duplicate",
    }
    assert whole_pii.report is not None and whole_pii.report.by_type.get("PERSON", 0) >= 5
    assert "Maria Lopez" not in " ".join(whole_pii.kept["text"].to_list())
    for size in (7, 333):
        d, r, p = results[size]
        assert d.kept["id"].to_list() == whole_dedup.kept["id"].to_list()
        assert [x.model_dump() for x in d.rejections] == [
            x.model_dump() for x in whole_dedup.rejections
        ]
        assert r.report == whole_drift.report
        assert p.kept.equals(whole_pii.kept)
        assert p.report.by_type == whole_pii.report.by_type  # type: ignore[union-attr]
        assert p.report.batches == -(-pii.height // size)  # type: ignore[union-attr]
