"""Held-out evaluation: base model (few-shot) vs QLoRA student (zero-shot) on real data.

Labelled text: each candidate label is scored by its log-likelihood after the prompt, so the
prediction is always in the closed label set. The score is the sum of the answer's token
log-probs, the probability of the whole label (default; `mean` per token is available, and the
report gives both). The answer includes the newline that ends a label, so a label that is a prefix of
another is compared fairly. Instruction pairs: loss and perplexity of the real responses.

Scoring (`pipelines.scoring`) caches the shared prompt head (header + few-shot examples) once,
then runs each batch of queries with all their labels in one forward pass: the few-shot base
costs little more than zero-shot.
"""

from __future__ import annotations

import gc
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.finetune_config import EvalConfig, FinetuneConfig
from pipelines.scoring import best_choices, pick_label, score_choices, score_dtype
from schemas.errors import ConfigError, GateFailed, InputError
from schemas.shown_values import unknown_labels
from schemas.tables import write_json


# -- metrics ----------------------------------------------------------------------------------
def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of exact matches."""
    if not y_true:
        return 0.0
    return sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / len(y_true)


def f1_per_label(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """F1 of each label that occurs in the truth or the predictions (0 when it has no hit)."""
    out = {}
    for label in sorted(set(y_true) | set(y_pred)):
        tp = sum(t == label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fp = sum(t != label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fn = sum(t == label and p != label for t, p in zip(y_true, y_pred, strict=True))
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 (labels seen in the truth or the predictions)."""
    per = f1_per_label(y_true, y_pred)
    return sum(per.values()) / len(per) if per else 0.0


# -- loading ----------------------------------------------------------------------------------
def load_for_eval(
    config: FinetuneConfig, model: str | None = None, adapter: str | Path | None = None
) -> tuple[Any, Any]:
    """(model, tokenizer): the base as the student was trained on it, the adapter attached."""
    from pipelines.finetune import load_base

    base, tokenizer, _ = load_base(config, model)
    if adapter is not None:
        from peft import PeftModel

        base = PeftModel.from_pretrained(base, str(adapter))
    base.eval()
    return base, tokenizer


def _model(
    config: FinetuneConfig, model: str | None, adapter: str | Path | None, trained: Any
) -> tuple[Any, Any]:
    """The trained model in memory (eval mode), or the base + adapter loaded from disk."""
    if trained is None:
        return load_for_eval(config, model, adapter)
    net, tokenizer = trained
    net.eval()
    return net, tokenizer


def _settings(
    config: FinetuneConfig | None, adapter: str | Path | None
) -> tuple[FinetuneConfig, EvalConfig, dict[str, Any]]:
    """The student's training config (from the adapter folder when known) and the eval config."""
    from pipelines.finetune import read_adapter_meta

    meta = read_adapter_meta(adapter) if adapter is not None else {}
    train = FinetuneConfig.model_validate(meta["config"]) if "config" in meta else None
    chosen = config or train or FinetuneConfig()
    return train or chosen, chosen.eval, meta


def pick_shots(
    rows: pl.DataFrame, input_field: str, label_field: str, labels: Sequence[str], k: int, seed: int
) -> list[tuple[str, str]]:
    """k few-shot examples spread evenly over the labels (round-robin), in a seeded order."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {lab: [] for lab in sorted(labels)}
    for r in rows.iter_rows(named=True):
        label = str(r[label_field])
        if label in pools and r[input_field]:
            pools[label].append(str(r[input_field]))
    for pool in pools.values():
        rng.shuffle(pool)
    shots: list[tuple[str, str]] = []
    while len(shots) < k and any(pools.values()):
        for lab, pool in pools.items():
            if pool and len(shots) < k:
                shots.append((pool.pop(), lab))
    rng.shuffle(shots)
    return shots


def _sample(rows: pl.DataFrame, limit: int | None, seed: int) -> pl.DataFrame:
    """All rows, or a seeded random `limit` of them (held-out files are often sorted by label)."""
    if limit is None or limit >= rows.height:
        return rows
    return rows.sample(n=limit, seed=seed, shuffle=True)


# -- evaluations ------------------------------------------------------------------------------
def evaluate_labels(
    rows: pl.DataFrame,
    labels: Sequence[str] | None = None,
    *,
    few_shot_rows: pl.DataFrame | None = None,
    adapter: str | Path | None = None,
    model: str | None = None,
    config: FinetuneConfig | None = None,
    input_field: str = "text",
    label_field: str = "label",
    trained: tuple[Any, Any] | None = None,
) -> dict[str, Any]:
    """Accuracy and macro-F1 of the base (few-shot) and, with `adapter`, the student (zero-shot).

    `trained` is the (PEFT model, tokenizer) the fine-tune just trained and saved to `adapter`:
    scored in memory instead of loading the base and the adapter again. Without `adapter`, any
    loaded (model, tokenizer) given as `trained` is scored as the base (e.g. an exported model).

    The label set is `labels`, else the labels in `rows`. The base sees `eval.few_shot` examples
    from `few_shot_rows` (zero-shot without them); both use the student's prompt template.
    """
    from pipelines.finetune import student_format

    train_cfg, ev, meta = _settings(config, adapter)
    for column in (input_field, label_field):
        if column not in rows.columns:
            raise InputError(
                "held-out data", f"missing field '{column}' (found: {', '.join(rows.columns)})"
            )
    label_set = sorted(set(labels or [str(v) for v in rows[label_field].to_list()]))
    # every row, before the `eval.limit` sample: a wrong label fails whichever rows are drawn
    shown = unknown_labels([str(v) for v in rows[label_field].to_list()], label_set, label_field)
    if shown:
        raise InputError("held-out data", f"labels not in the label set: {shown}")
    rows = _sample(rows, ev.limit, ev.seed)
    truth = [str(v) for v in rows[label_field].to_list()]
    net, tokenizer = _model(train_cfg, model, adapter, trained)
    fmt = student_format(tokenizer, train_cfg, meta.get("labels") or label_set)
    texts = [str(t) for t in rows[input_field].to_list()]
    shots = []
    if few_shot_rows is not None and ev.few_shot:
        shots = pick_shots(few_shot_rows, input_field, label_field, label_set, ev.few_shot, ev.seed)
    report: dict[str, Any] = {
        "task": "labels",
        "n": len(texts),
        "score_dtype": score_dtype(ev.dtype, net),  # what ran: set after scoring
        "labels": label_set,
        "prompt_labels": fmt.labels,
        "score": ev.score,
        "model": model or train_cfg.model,
        "adapter": str(adapter) if adapter is not None else None,
        "n_train_records": meta.get("n_records"),
    }

    used: dict[str, Any] = {}  # what score_choices ran in

    def run(shot_rows: list[tuple[str, str]]) -> dict[str, Any]:
        start = time.perf_counter()
        prefix, queries, _ = fmt.encode_classification(texts, shot_rows)
        answers = [fmt.answer_ids(f" {lab}\n") for lab in label_set]
        options = {"batch_size": ev.batch_size, "pad_id": tokenizer.pad_token_id or 0}
        extra: dict[str, Any] = {}
        # Zero-shot (a trained student, sure of its label), only the labels that can win are
        # scored in full: the same pick, 2.2x faster on the example (1.1 labels a row). The
        # few-shot base is unsure (2.8 labels a row): 1.12x there (bench/pruned_scoring.py),
        # and scoring every label gives its report the other score's pick too.
        if ev.score == "sum" and not shot_rows:
            scores = best_choices(
                net, prefix, queries, answers, dtype=ev.dtype, used=used, **options
            )
        else:
            scores = score_choices(
                net, prefix, queries, [answers] * len(queries), dtype=ev.dtype, used=used, **options
            )
            other = "mean" if ev.score == "sum" else "sum"
            by_other = [pick_label(s, label_set, other) for s in scores]
            extra[f"with_{other}_score"] = {
                "accuracy": accuracy(truth, by_other),
                "macro_f1": macro_f1(truth, by_other),
            }
        pred = [pick_label(s, label_set, ev.score) for s in scores]
        return {
            "accuracy": accuracy(truth, pred),
            "macro_f1": macro_f1(truth, pred),
            "few_shot": len(shot_rows),
            "few_shot_examples": [{"text": t, "label": lab} for t, lab in shot_rows],
            "per_label_f1": f1_per_label(truth, pred),
            **extra,
            "seconds": round(time.perf_counter() - start, 2),
            "predictions": pred,
        }

    if adapter is not None:
        with net.disable_adapter():
            report["base"] = run(shots)
        report["student"] = run([])
        report["difference"] = {
            k: report["student"][k] - report["base"][k] for k in ("accuracy", "macro_f1")
        }
    else:
        report["base"] = run(shots)
    report["score_dtype"] = used.get("dtype", report["score_dtype"])
    return report


def evaluate_answers(
    rows: pl.DataFrame,
    *,
    adapter: str | Path | None = None,
    model: str | None = None,
    config: FinetuneConfig | None = None,
    input_field: str = "instruction",
    label_field: str = "response",
    trained: tuple[Any, Any] | None = None,
) -> dict[str, Any]:
    """Loss (mean NLL per response token) and perplexity of real responses, base vs student.

    Both see the same zero-shot instruction prompt: this measures how likely each model finds
    the real answers, not how well it writes.
    """
    from pipelines.finetune import student_format
    from pipelines.prompt_format import instruction_answer, instruction_prompt

    train_cfg, ev, meta = _settings(config, adapter)
    rows = _sample(rows, ev.limit, ev.seed)
    net, tokenizer = _model(train_cfg, model, adapter, trained)
    fmt = student_format(tokenizer, train_cfg, [])
    encoded = [
        fmt.encode_answer(
            instruction_prompt(fmt.fit_prompt_text(str(r[input_field]))),
            instruction_answer(str(r[label_field])),
        )
        for r in rows.iter_rows(named=True)
    ]

    used: dict[str, Any] = {}  # what score_choices ran in

    def run() -> dict[str, Any]:
        start = time.perf_counter()
        scores = score_choices(
            net,
            [],
            [q for q, _ in encoded],
            [[a] for _, a in encoded],
            batch_size=ev.batch_size,
            pad_id=tokenizer.pad_token_id or 0,
            dtype=ev.dtype,
            used=used,
        )
        total = sum(s[0][0] for s in scores)
        tokens = sum(s[0][1] for s in scores)
        loss = -total / max(tokens, 1)
        return {
            "loss": loss,
            "perplexity": math.exp(min(loss, 50.0)),
            "tokens": tokens,
            "seconds": round(time.perf_counter() - start, 2),
        }

    report: dict[str, Any] = {
        "task": "instruction",
        "n": rows.height,
        "score_dtype": score_dtype(ev.dtype, net),  # what ran: set after scoring
        "model": model or train_cfg.model,
        "adapter": str(adapter) if adapter is not None else None,
        "n_train_records": meta.get("n_records"),
    }
    if adapter is not None:
        with net.disable_adapter():
            report["base"] = run()
        report["student"] = run()
        report["difference"] = {"loss": report["student"]["loss"] - report["base"]["loss"]}
    else:
        report["base"] = run()
    report["score_dtype"] = used.get("dtype", report["score_dtype"])
    return report


def gate(report: dict[str, Any], ev: EvalConfig) -> dict[str, Any] | None:
    """The min-improvement verdict (None when no gate is set or there is no student)."""
    if ev.min_improvement is None or "student" not in report:
        return None
    if report["task"] == "labels":
        gain = report["difference"][ev.gate_metric]
        metric = ev.gate_metric
    else:  # lower loss is better
        gain = -report["difference"]["loss"]
        metric = "loss"
    return {
        "metric": metric,
        "min_improvement": ev.min_improvement,
        "improvement": gain,
        "passed": gain >= ev.min_improvement,
    }


def write_report(report: dict[str, Any], path: str | Path | None, ev: EvalConfig) -> dict[str, Any]:
    """Write the report (with the gate verdict) when `path` is given; then raise GateFailed
    if the student missed `min_improvement`."""
    verdict = gate(report, ev)
    if verdict is not None:
        report["gate"] = verdict
    if path is not None:
        write_json(path, report)
    if verdict is not None and not verdict["passed"]:
        raise GateFailed(
            f"student improves {verdict['metric']} by {verdict['improvement']:+.4f}, below "
            f"min_improvement {verdict['min_improvement']}; report: {path}"
        )
    return report


def evaluate_build(state: Any) -> dict[str, Any]:
    """The build's fine-tune stage: train the student on `accepted.parquet`, score it on held-out.

    Which fields are input and answer, and which trusted columns hold them in the held-out file,
    come from the generator's `Roles`. Writes `adapter/` and `evaluation.json` into the run
    folder; GateFailed when the student misses `finetune.eval.min_improvement`. A student trained
    and scored by an earlier run of the folder on the same rows, settings, code and model is read
    back instead (`pipelines.kept_runs`), and so are the comparison students.
    """
    from pipelines.finetune import BaseCopies, load_records, train_student
    from pipelines.kept_runs import fingerprint, keep, kept, record_path
    from schemas.tables import read_table

    config, roles = state.config, state.roles
    cfg, data = config.finetune, config.data
    in_field, out_field = roles.input_field, roles.target_field
    if roles.task not in ("labels", "instruction") or in_field is None or out_field is None:
        raise ConfigError(
            f"finetune: generator '{config.generator}' makes '{roles.task}' records; the build "
            "fine-tunes labels or instruction tasks (set build.finetune: false)"
        )
    labelled, labels = roles.task == "labels", list(data.labels) or None
    accepted, adapter_dir = state.run_dir / "accepted.parquet", state.run_dir / "adapter"
    held = shots = key = None
    record = record_path(state.run_dir, "student")
    if data.held_out is not None:
        held_in = roles.trusted_columns.get(in_field, in_field)
        held_out = roles.trusted_columns.get(out_field, out_field)
        held = read_table(data.held_out, required=[held_in, held_out])
        held = held.select(pl.col(held_in).alias(in_field), pl.col(held_out).alias(out_field))
        if labelled:
            shots = state.trusted.select(
                pl.col(held_in).alias(in_field), pl.col(held_out).alias(out_field)
            )
        rows = load_records(accepted, in_field, out_field, roles.task).select(in_field, out_field)
        key = fingerprint(rows, cfg, labels, held, task=roles.task, few_shot=shots)
        earlier = kept(adapter_dir, record, key, "student and base")
        if earlier is not None:  # its paths as this run names them
            finetuned = {
                **earlier["finetune"],
                "out_dir": str(adapter_dir),
                "from_earlier_run": True,
            }
            summary = {"finetune": finetuned}
            report = {
                **earlier["evaluation"],
                "adapter": str(adapter_dir),
                "from_earlier_run": True,
            }
            return _with_students(state, summary, report, held, in_field, out_field, BaseCopies())
    bases = BaseCopies()  # one load for this student and the comparison students
    more = labelled and held is not None and cfg.include_trusted
    result, trained = train_student(
        accepted,
        cfg,
        adapter_dir,
        task=roles.task,
        input_field=in_field,
        label_field=out_field,
        labels=labels,
        model=bases.copy(cfg, last=not more),
    )
    summary = {"finetune": result.model_dump(mode="json")}
    if held is None:
        summary["evaluation"] = None
        return summary
    if labelled:
        report = evaluate_labels(
            held,
            labels,
            few_shot_rows=shots,
            adapter=result.out_dir,
            config=cfg,
            input_field=in_field,
            label_field=out_field,
            trained=trained,
        )
    else:
        report = evaluate_answers(
            held,
            adapter=result.out_dir,
            config=cfg,
            input_field=in_field,
            label_field=out_field,
            trained=trained,
        )
    del trained
    gc.collect()  # a 4-bit model sits in reference cycles: free it before the next one loads
    keep(adapter_dir, record, key, {"finetune": summary["finetune"], "evaluation": report})
    return _with_students(state, summary, report, held, in_field, out_field, bases)


def _with_students(
    state: Any,
    summary: dict[str, Any],
    report: dict[str, Any],
    held: pl.DataFrame,
    in_field: str,
    out_field: str,
    bases: Any,
) -> dict[str, Any]:
    """Add the comparison students (`finetune.include_trusted`, labelled builds), then write
    `evaluation.json` through the gate."""
    cfg = state.config.finetune
    if report.get("task") == "labels" and cfg.include_trusted:
        from pipelines.students import compare_students

        if isinstance(report.get("student"), dict):  # the table gives each student's steps
            report["student"]["steps"] = summary["finetune"].get("steps")
        report["students"] = compare_students(
            state, held, report, in_field, out_field, score=evaluate_labels, bases=bases
        )
    summary["evaluation"] = write_report(report, state.run_dir / "evaluation.json", cfg.eval)
    return summary
