"""The exported GGUF is the student: a real LoRA adapter on the embedded Gemma 3 270M, merged and
written as q8_0, read back by an independent reader (transformers' GGUF loader), scores like the
adapter on held-out rows; the file carries the tokenizer, `<bos>` and the prompt format.

The adapter is made with peft directly (random, non-zero B matrices on q/v/o of every layer), so
the merge visibly moves the model: the test checks the GGUF is much closer to the adapter than
the base is. The export runs through the build's own step (`export_build`), which reads the file
back and scores it on the held-out rows the adapter was scored on. ~2-3 minutes on 2 CPU cores, most of it reading the 262k-token vocabulary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
import pytest
import torch
import yaml

from generators.base import Roles
from pipelines.evaluate import accuracy, macro_f1
from pipelines.export import export_gguf, read_metadata
from pipelines.export.label_decode import classify, label_tokens
from pipelines.export.merge import lora_deltas
from pipelines.finetune_config import FinetuneConfig
from pipelines.prompt_format import StudentFormat
from pipelines.scoring import score_choices
from schemas.errors import ConfigError
from schemas.tables import write_json

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"
HELD_OUT = EXAMPLE / "held_out.csv"
N_ROWS = 8
LORA_B_STD = 0.1


def _rows() -> pl.DataFrame:
    """The N_ROWS held-out rows the evaluation samples with `eval.limit` (seed 0)."""
    return pl.read_csv(HELD_OUT).sample(n=N_ROWS, seed=0, shuffle=True)


def _label_scores(model: Any, tokenizer: Any, labels: list[str]) -> torch.Tensor:
    """Mean log-prob of every label after each held-out prompt, [rows, labels]."""
    fmt = StudentFormat(tokenizer, chat=False, labels=labels, list_labels=True)
    prefix, queries, answers = fmt.encode_classification(_rows()["text"].to_list())
    scores = score_choices(model, prefix, queries, [answers] * len(queries), batch_size=4)
    return torch.tensor([[s / n for s, n in row] for row in scores])


def _state(run_dir: Path, student_eval: dict[str, Any]) -> SimpleNamespace:
    """What the build's export step reads of a build: config, roles, run folder, evaluation."""
    from pipelines.config import load_config

    # the run's scoring as `_label_scores` scores the adapter (mean); the prompt is the adapter's
    overrides = {
        "export": {"quant": "q8_0"},
        "finetune.eval.limit": N_ROWS,
        "finetune.eval.score": "mean",
    }
    roles = Roles(
        ("text",), "label", {"text": "text", "label": "category"}, "labels", "text", "label"
    )
    return SimpleNamespace(
        config=load_config(EXAMPLE / "config.yaml", overrides),
        roles=roles,
        run_dir=run_dir,
        report=SimpleNamespace(
            evaluation={"evaluation": {"task": "labels", "student": student_eval}}
        ),
    )


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory, embedded_dir: Path) -> dict[str, Any]:
    """A LoRA adapter on the (float32) embedded base, saved as a fine-tune saves it into a run
    folder, then exported and checked by the build's own export step."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipelines.export import verify
    from pipelines.export.step import export_build

    torch.set_num_threads(2)
    base = AutoModelForCausalLM.from_pretrained(str(embedded_dir), dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(embedded_dir))
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj"])
    net = get_peft_model(base, lora)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in net.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * LORA_B_STD)
    net.eval()
    run_dir = tmp_path_factory.mktemp("export")
    adapter = run_dir / "adapter"
    net.save_pretrained(str(adapter))
    labels = sorted(set(pl.read_csv(HELD_OUT)["category"].to_list()))
    cfg = FinetuneConfig(  # the labels listed: the longer template is the one to carry over
        lora_r=4,
        lora_alpha=8,
        target_modules=["q_proj", "v_proj", "o_proj"],
        load_in_4bit=False,
        list_labels=True,
    )
    meta = {"config": cfg.model_dump(mode="json"), "task": "labels", "labels": labels}
    write_json(adapter / "finetune_config.json", {**meta, "chat": False, "n_records": 0})
    # The adapter scored as the build scores its student (mean log-prob per label, same rows).
    adapter_scores = _label_scores(net, tokenizer, labels)
    truth = _rows()["category"].to_list()
    picked = [labels[i] for i in adapter_scores.argmax(1).tolist()]
    student_eval = {
        "predictions": picked,
        "accuracy": accuracy(truth, picked),
        "macro_f1": macro_f1(truth, picked),
    }
    state = _state(run_dir, student_eval)
    loaded: list[tuple[Any, Any]] = []  # the step's own read-back, kept for the tests below
    real_load = verify.load_gguf

    def load_and_keep(path: Path) -> tuple[Any, Any]:
        loaded.append(real_load(path))
        return loaded[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "load_gguf", load_and_keep)
        summary = export_build(state)
    return {
        "net": net,
        "tokenizer": tokenizer,
        "adapter_scores": adapter_scores,
        "adapter": adapter,
        "summary": summary,
        "report": state.report,
        "loaded": loaded[0],
        "path": run_dir / "student.gguf",
    }


@pytest.fixture(scope="module")
def read_back(student: dict[str, Any]) -> tuple[Any, Any]:
    return student["loaded"]


def test_merge_math_matches_peft(student: dict[str, Any]) -> None:
    import gguf

    deltas = lora_deltas(student["adapter"], gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3, 18))
    assert len(deltas) == 18 * 3 == student["summary"]["merged_tensors"]
    layer = student["net"].base_model.model.model.layers[5].self_attn.o_proj
    expected = layer.get_delta_weight("default").detach().numpy()
    assert deltas["blk.5.attn_output.weight"].shape == expected.shape == (640, 1024)
    assert abs(deltas["blk.5.attn_output.weight"] - expected).max() < 1e-6


def test_file_has_tokenizer_bos_prompt_and_types(student: dict[str, Any]) -> None:
    import gguf

    summary, path = student["summary"], student["path"]
    assert summary["size_bytes"] == path.stat().st_size < 300_000_000
    assert summary["quant"] == "q8_0" and summary["file"] == "student.gguf"
    reader = gguf.GGUFReader(path)
    meta = read_metadata(reader)
    assert meta["general.architecture"] == "gemma3"
    assert meta["general.file_type"] == gguf.LlamaFileType.MOSTLY_Q8_0
    assert meta["tokenizer.ggml.tokens"] == 262144  # the vocabulary, counted
    assert meta["tokenizer.ggml.add_bos_token"] is True and meta["tokenizer.ggml.bos_token_id"] == 2
    template = meta["synthmill.prompt.template"]
    assert template.startswith("Classify each message with one of these labels: age_limit, ")
    assert template.endswith("\nMessage: {text}\nLabel:")
    assert meta["synthmill.labels"][0] == "age_limit" and meta["synthmill.prompt.stop"] == "\n"
    assert json.loads(meta["synthmill.labels.json"]) == meta["synthmill.labels"]
    assert meta["synthmill.adapter.sha256"] and meta["synthmill.base.sha256"]
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["blk.0.attn_q.weight"] == types["blk.0.ffn_down.weight"] == "Q8_0"
    assert types["token_embd.weight"] == "Q8_0" and types["blk.0.attn_norm.weight"] == "F32"
    modelfile = (path.parent / summary["modelfile"]).read_text()
    assert modelfile.startswith('FROM ./student.gguf\nTEMPLATE """Classify each message')
    assert '\nMessage: {{ .Prompt }}\nLabel:"""\n' in modelfile


def test_read_back_tokenizer_adds_bos_like_the_student(
    student: dict[str, Any], read_back: tuple[Any, Any]
) -> None:
    _, tokenizer = read_back
    for text in _rows()["text"].to_list():
        ids = tokenizer(text)["input_ids"]
        assert ids[0] == 2 and ids == student["tokenizer"](text)["input_ids"]


def test_gguf_scores_like_the_adapter(student: dict[str, Any], read_back: tuple[Any, Any]) -> None:
    net, labels = student["net"], sorted(set(pl.read_csv(HELD_OUT)["category"].to_list()))
    gguf_model, gguf_tokenizer = read_back
    adapter = student["adapter_scores"]
    with net.disable_adapter():
        base = _label_scores(net, student["tokenizer"], labels)
    exported = _label_scores(gguf_model, gguf_tokenizer, labels)
    moved = (base - adapter).abs().mean().item()
    off = (exported - adapter).abs().mean().item()
    assert moved > 0.2, f"the adapter barely changes the model ({moved:.3f})"
    assert off < 0.1 * moved, f"gguf is {off:.3f} from the adapter, the base {moved:.3f}"
    agree = (exported.argmax(1) == adapter.argmax(1)).sum().item()
    assert agree >= N_ROWS - 1, f"same label on {agree} of {N_ROWS} rows"


def test_the_label_walk_on_the_exported_file_matches_greedy_decoding_over_the_labels(
    student: dict[str, Any], read_back: tuple[Any, Any]
) -> None:
    """The walk steps the model with its KV cache; greedy decoding restricted to the label set,
    one full forward pass per token, must pick the same label, in no fewer passes."""
    model, tokenizer = read_back
    meta = read_metadata(student["path"])
    template, labels = meta["synthmill.prompt.template"], meta["synthmill.labels"]
    prompts = [template.replace("{text}", t) for t in _rows()["text"].to_list()]

    def tokenize(text: str) -> list[int]:
        return tokenizer(text)["input_ids"]

    answers = label_tokens(tokenize, prompts[0], labels, meta["synthmill.prompt.answer"])
    cache: list[Any] = [None]
    calls = [0]

    def step(tokens: Any) -> list[float]:
        calls[0] += 1
        out = model(input_ids=torch.tensor([list(tokens)]), past_key_values=cache[0])
        cache[0] = out.past_key_values
        return out.logits[0, -1].tolist()

    passes = 0
    with torch.no_grad():
        for prompt in prompts:
            ids, made = tokenize(prompt), []
            while not any(a == tuple(made) for a in answers.values()):
                logits = model(input_ids=torch.tensor([ids + made])).logits[0, -1]
                passes += 1
                allowed = {a[len(made)] for a in answers.values() if a[: len(made)] == tuple(made)}
                made.append(max(allowed, key=lambda token: logits[token].item()))
            cache[0] = None
            walked = classify(step, ids, answers)
            assert answers[walked] == tuple(made), prompt
    assert calls[0] < passes  # it stopped once one label was left


def test_build_step_scores_the_gguf_beside_the_adapter(student: dict[str, Any]) -> None:
    """The export step's proof: the same evaluation, the same rows, both accuracies reported."""
    from pipelines.report import _export_lines

    verified = student["summary"]["verified"]
    assert verified["reader"] == "transformers" and verified["n"] == N_ROWS
    assert verified["agreement"] >= (N_ROWS - 1) / N_ROWS
    assert abs(verified["accuracy_difference"]) <= 1 / N_ROWS
    text = "\n".join(_export_lines({"evaluation": student["report"].evaluation}))
    assert f"sha256 `{student['summary']['sha256']}`" in text
    assert f"same {N_ROWS} held-out rows" in text and "| adapter (transformers + peft) |" in text


def _dequantised(tensor: Any) -> Any:
    """A GGUF tensor as float32 numpy, rows last."""
    from gguf.quants import dequantize

    shape = tuple(int(d) for d in reversed(tensor.shape.tolist()))
    return dequantize(tensor.data, tensor.tensor_type).reshape(shape)


def _dequantised_bytes(data: Any, shape: tuple[int, ...]) -> Any:
    """Q4_0 bytes as float32 numpy of `shape`."""
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import dequantize

    return dequantize(data, Q.Q4_0).reshape(shape)


def test_merge_starts_from_the_4bit_base_the_adapter_was_trained_on(
    tmp_path: Path, embedded_dir: Path
) -> None:
    """A QLoRA adapter is fitted against dequantise(nf4(W)), not the GGUF's W: the export merges
    into that 4-bit copy, so every exported projection is the trained base + delta up to q8_0
    rounding, while a merge into the source weights is off by the NF4 noise."""
    import bitsandbytes as bnb
    import gguf
    from peft import get_peft_model

    from pipelines.finetune import load_base, lora_config

    torch.set_num_threads(2)
    torch.manual_seed(0)  # LoRA's A matrices come from the global generator
    targets = ["q_proj", "v_proj", "o_proj"]
    cfg = FinetuneConfig(lora_r=4, lora_alpha=8, target_modules=targets, compute_dtype="float32")
    base, _, _ = load_base(cfg)
    net = get_peft_model(base, lora_config(cfg))
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in net.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * LORA_B_STD)
    adapter = tmp_path / "adapter"
    net.save_pretrained(str(adapter))
    meta = {"config": cfg.model_dump(mode="json"), "task": "labels", "labels": ["a", "b"]}
    write_json(adapter / "finetune_config.json", {**meta, "chat": False, "n_records": 0})
    trained = export_gguf(adapter, tmp_path / "trained.gguf", "q8_0")
    source = export_gguf(adapter, tmp_path / "source.gguf", "q8_0", base_weights="source")
    assert (trained.base_weights, trained.trained_layers) == ("trained", 18 * 7)
    assert (source.base_weights, source.trained_layers) == ("source", 0)
    assert trained.merged_tensors == source.merged_tensors == 18 * 3

    def tensors(path: Path) -> dict[str, Any]:
        return {t.name: t for t in gguf.GGUFReader(path).tensors}

    exported, merged_source = tensors(tmp_path / "trained.gguf"), tensors(tmp_path / "source.gguf")
    layers = net.base_model.model.model.layers
    pairs = [
        (layers[5].self_attn.o_proj, "blk.5.attn_output"),
        (layers[11].mlp.down_proj, "blk.11.ffn_down"),
    ]
    wanted: dict[str, Any] = {}
    for module, name in pairs:
        linear = module.base_layer if hasattr(module, "base_layer") else module
        assert isinstance(linear, bnb.nn.Linear4bit)
        weight = linear.weight
        want = bnb.functional.dequantize_4bit(weight.data, weight.quant_state).float()
        if hasattr(module, "get_delta_weight"):
            want = want + module.get_delta_weight("default").detach().float()
        want_np = want.numpy()

        scale = abs(want_np).max()
        off_trained = abs(_dequantised(exported[f"{name}.weight"]) - want_np).max() / scale
        off_source = abs(_dequantised(merged_source[f"{name}.weight"]) - want_np).max() / scale
        assert off_trained < 0.01, f"{name}: trained export {off_trained:.4f} from base + delta"
        assert off_source > 5 * off_trained, f"{name}: {off_source:.4f} vs {off_trained:.4f}"
        wanted[name] = want_np
    # q4_0 is rounded by GPTQ against the activations of the student's own training rows,
    # measured with padding left out: one padded batch gives what one row at a time gives.
    from pipelines.export import calibration, q4

    texts = ["Message: hi\nLabel: a", "Message: my new card has still not arrived\nLabel: b"]
    q4_file = export_gguf(adapter, tmp_path / "q4.gguf", "q4_0", calibration=texts)
    assert (q4_file.calibration_rows, q4_file.base_weights) == (2, "trained")
    small = tensors(tmp_path / "q4.gguf")
    assert small["blk.5.attn_output.weight"].tensor_type.name == "Q4_0"
    # the tied head is 4-bit too, rounded by GPTQ against the decoder's final hidden states
    assert small["token_embd.weight"].tensor_type.name == "Q4_0"
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3, 18)
    padded = calibration.activation_moments(meta, adapter, texts, name_map)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibration, "BATCH", 1)
        alone = calibration.activation_moments(meta, adapter, texts, name_map)
    assert set(padded) == set(alone) and len(padded) == 18 * 7 + 1  # and the head's input
    assert padded[calibration.HEAD].shape == (640, 640)
    # bitsandbytes' CPU kernel rounds to bf16 by batch shape: on an AMX machine the two differed
    # by up to 1.1% (median 0.4%); with the padding counted they differed by 21% at least
    # (median 135%), so 3% tells the one from the other
    for key, value in alone.items():
        assert value.shape == (value.shape[0], value.shape[0])
        drift = np.linalg.norm(padded[key] - value) / np.linalg.norm(value)
        assert drift < 0.03, f"{key}: padded batch {drift:.2%} from one row at a time"
    for name, want_np in wanted.items():
        moments = padded[f"{name}.weight"].astype(np.float64)
        got = _dequantised(small[f"{name}.weight"]).astype(np.float64)
        ref = _dequantised_bytes(q4.reference(want_np), want_np.shape).astype(np.float64)
        ours = float(np.einsum("ij,jk,ik->", got - want_np, moments, got - want_np))
        plain = float(np.einsum("ij,jk,ik->", ref - want_np, moments, ref - want_np))
        assert ours < 0.5 * plain, f"{name}: output error {ours:.3g} vs reference {plain:.3g}"
    # the head: its logits' error on the calibration states, against the reference rounding of
    # the same (source, Q8_0) rows; every 64th of the 262,144 rows
    source = _dequantised(merged_source["token_embd.weight"])[::64].astype(np.float64)
    got = _dequantised(small["token_embd.weight"])[::64].astype(np.float64)
    ref = _dequantised_bytes(q4.reference(source.astype(np.float32)), source.shape)
    moments = padded[calibration.HEAD].astype(np.float64)
    ours = float(np.einsum("ij,jk,ik->", got - source, moments, got - source))
    plain = float(np.einsum("ij,jk,ik->", ref - source, moments, ref - source))
    assert ours < 0.5 * plain, f"head: output error {ours:.3g} vs reference {plain:.3g}"


def test_unmergeable_adapter_is_refused(tmp_path: Path) -> None:
    write_json(tmp_path / "adapter_config.json", {"peft_type": "LORA", "use_dora": True})
    with pytest.raises(ConfigError, match="DoRA"):
        export_gguf(tmp_path, tmp_path / "x.gguf")
    assert not (tmp_path / "x.gguf").exists()


def _cli(*args: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipelines.cli", "export", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("{tmp}/missing",), "run folder not found"),
        (("{tmp}",), "no adapter/ in this run folder; train one with `synthmill finetune"),
        (("{tmp}", "--adapter", "{tmp}"), "--adapter"),
        (("{run}", "--quant", "q5_k"), "unknown --quant 'q5_k' (choose one of q8_0, q4_0, f16)"),
        (("{run}", "--format", "onnx"), "unknown --format 'onnx'"),
        (("{run}", "--base-weights", "nf4"), "unknown --base-weights 'nf4' (choose one of"),
        (("{run}", "--out", "{tmp}/x.bin"), "name the file *.gguf"),
    ],
    ids=[
        "no-run-dir",
        "no-adapter",
        "bad-adapter",
        "unknown-quant",
        "unknown-format",
        "unknown-base-weights",
        "not-a-gguf-name",
    ],
)
def test_cli_mistakes_are_one_line_exit_2(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    write_json(run / "adapter" / "adapter_config.json", {"peft_type": "LORA"})
    done = _cli(*(a.format(tmp=tmp_path, run=run) for a in args))
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert not (run / "student.gguf").exists()


def test_config_export_section(example_dir: Path) -> None:
    from pipelines.config import load_config

    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    assert load_config(path).export is None  # off by default
    raw["export"] = {"format": "gguf", "quant": "q4_0"}
    path.write_text(yaml.safe_dump(raw))
    assert load_config(path).export.quant == "q4_0"  # type: ignore[union-attr]
    for bad, message in (
        ({"quant": "q5_k"}, "'export.quant'"),
        ({"colour": 1}, "unknown key 'export.colour'"),
    ):
        path.write_text(yaml.safe_dump({**raw, "export": bad}))
        with pytest.raises(ConfigError, match=message):
            load_config(path)
    path.write_text(yaml.safe_dump({**raw, "build": {**raw["build"], "finetune": False}}))
    with pytest.raises(ConfigError, match="export needs build.finetune: true"):
        load_config(path)


def test_report_and_card_lines() -> None:
    from pipelines.report import _export_lines

    verified = {"reader": "transformers", "n": 300, "accuracy": 0.75, "macro_f1": 0.74}
    verified |= {"adapter_accuracy": 0.7467, "adapter_macro_f1": 0.75, "agreement": 0.97}
    export = {"file": "student.gguf", "quant": "q8_0", "size_bytes": 291_544_800, "sha256": "ab12"}
    text = "\n".join(_export_lines({"evaluation": {"export": {**export, "verified": verified}}}))
    assert "`student.gguf`: q8_0, 291.5 MB, sha256 `ab12`" in text
    assert "4-bit base it was trained on" not in text and "GPTQ" not in text
    merged = {**export, "base_weights": "trained", "trained_layers": 126, "calibration_rows": 128}
    lines = "\n".join(_export_lines({"evaluation": {"export": merged}}))
    assert "merged into the 4-bit base it was trained on (126 layers)" in lines
    assert "activations of 128 of the student's training rows" in lines
    assert "| adapter (transformers + peft) | 0.7467 | 0.75 |" in text
    assert "| student.gguf (transformers GGUF reader) | 0.75 | 0.74 |" in text
