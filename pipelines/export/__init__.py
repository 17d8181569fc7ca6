"""Export the student as one GGUF file (llama.cpp, Ollama, LM Studio) and prove it is the student.

`export_gguf` merges the LoRA adapter into the base GGUF (`writer`, `merge`, `source`) with the
prompt format in its metadata (`metadata`); `score_gguf` loads the file back with transformers'
GGUF reader and scores it with the held-out evaluation the adapter had (`verify`); `export_build`
is the build's export step (`step`).
"""

from pipelines.export.metadata import read_metadata
from pipelines.export.source import SUPPORTED_ARCHS, TESTED_ARCHS
from pipelines.export.writer import ExportResult, export_gguf

__all__ = ["SUPPORTED_ARCHS", "TESTED_ARCHS", "ExportResult", "export_gguf", "read_metadata"]
