"""Teachers: the models that write records, behind one small protocol."""

from generators.teachers.base import Teacher, TeacherRequest, TeacherResponse
from generators.teachers.factory import make_teacher

__all__ = ["Teacher", "TeacherRequest", "TeacherResponse", "make_teacher", "release_engines"]


def release_engines() -> int:
    """Shut down the local engines this process started (vLLM's keep a worker process, the
    weights and the KV cache until then); how many. Imports no engine that is not running."""
    import sys

    vllm_engine = sys.modules.get("generators.teachers.vllm_engine")
    return vllm_engine.release_engines() if vllm_engine is not None else 0
