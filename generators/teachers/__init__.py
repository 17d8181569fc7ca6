"""Teachers: the models that write records, behind one small protocol."""

from generators.teachers.base import Teacher, TeacherRequest, TeacherResponse
from generators.teachers.factory import make_teacher

__all__ = ["Teacher", "TeacherRequest", "TeacherResponse", "make_teacher"]
