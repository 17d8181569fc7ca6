"""The fallback teacher: batched `transformers.generate` on CPU or GPU.

Decoding is constrained by the JSON schema through xgrammar's logits processor (one compiled
grammar per request) when xgrammar is installed; otherwise the runner's parse-and-retry applies.
Sampling in a batch shares torch's rng, so its seed is derived from the seeds of the whole batch.
"""

from __future__ import annotations

import json
from typing import Any

from generators.config import TeacherConfig
from generators.teachers.base import TeacherRequest, TeacherResponse
from schemas.record import stable_hash


class TransformersTeacher:
    """Batched generation with a left-padded batch and per-request grammars."""

    kind = "transformers"

    def __init__(self, model_path: str, model_id: str, weights_hash: str, cfg: TeacherConfig):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_id = model_id
        self.weights_hash = weights_hash
        self.cfg = cfg
        self.chat = cfg.api == "chat"
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(
            model_path, trust_remote_code=cfg.trust_remote_code
        )
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=dtype, trust_remote_code=cfg.trust_remote_code
        ).to(self.device)
        self.model.eval()
        self._compiler: Any = None
        self._grammars: dict[str, Any] = {}
        try:
            import xgrammar as xgr

            info = xgr.TokenizerInfo.from_huggingface(
                self.tokenizer, vocab_size=self.model.config.vocab_size
            )
            self._compiler = xgr.GrammarCompiler(info)
        except ImportError:
            self._compiler = None

    @property
    def constrained(self) -> bool:
        return self._compiler is not None

    def _grammar(self, schema: dict[str, Any]) -> Any:
        key = stable_hash(schema)
        if key not in self._grammars:
            self._grammars[key] = self._compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False
            )
        return self._grammars[key]

    def _text(self, req: TeacherRequest) -> str:
        if self.chat:
            return str(
                self.tokenizer.apply_chat_template(
                    req.messages, tokenize=False, add_generation_prompt=True
                )
            )
        return req.prompt

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        import torch

        if not requests:
            return []
        batch = self.tokenizer(
            [self._text(r) for r in requests], return_tensors="pt", padding=True
        ).to(self.device)
        processors = []
        if self._compiler is not None:
            from xgrammar.contrib.hf import LogitsProcessor

            processors.append(LogitsProcessor([self._grammar(r.schema) for r in requests]))
        first = requests[0]
        torch.manual_seed(int(stable_hash([r.seed for r in requests])[:8], 16))
        with torch.no_grad():
            out = self.model.generate(
                **batch,
                do_sample=first.temperature > 0,
                temperature=first.temperature if first.temperature > 0 else None,
                top_p=first.top_p,
                max_new_tokens=max(r.max_tokens for r in requests),
                logits_processor=processors,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        prompt_len = batch["input_ids"].shape[1]
        responses = []
        eos = self.tokenizer.eos_token_id
        for i, req in enumerate(requests):
            new = out[i, prompt_len:].tolist()
            n_in = int(batch["attention_mask"][i].sum())
            stopped = eos in new
            if stopped:
                new = new[: new.index(eos)]
            new = [t for t in new if t != self.tokenizer.pad_token_id]
            finished = stopped or len(new) < req.max_tokens
            responses.append(
                TeacherResponse(
                    text=self.tokenizer.decode(new, skip_special_tokens=True),
                    tokens_in=n_in,
                    tokens_out=len(new),
                    finish_reason="stop" if finished else "length",
                )
            )
        return responses

    def close(self) -> None:
        self._grammars.clear()
