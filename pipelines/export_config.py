"""The `export:` section of the run config: write the student as one GGUF file after evaluation.

Plain pydantic, no torch or gguf: `pipelines.config` imports it to validate a run config quickly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from schemas.base import FrozenSettings

QUANTS = ("q8_0", "q4_0", "f16")
Quant = Literal["q8_0", "q4_0", "f16"]
BASE_WEIGHTS = ("trained", "source")


class ExportConfig(FrozenSettings):
    """How the build exports its student: the format, the weight type and the base to merge into."""

    format: Literal["gguf"] = Field("gguf", description="gguf: one file for llama.cpp and Ollama")
    quant: Quant = Field(
        "q8_0",
        description="weights as q8_0, q4_0 (the head too, by GPTQ; q8_0 without calibration) or f16",
    )
    base_gguf: Path | None = Field(
        None,
        description="a GGUF of the student's base; needed only when the base is not 'embedded'",
    )
    base_weights: Literal["trained", "source"] = Field(
        "trained",
        description="merge into the 4-bit base the adapter was trained on (trained) or into "
        "the base GGUF's own weights (source)",
    )
    verify: bool = Field(
        True, description="load the file back with transformers and score it on held-out rows"
    )
