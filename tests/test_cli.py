"""The command line as a new user meets it: Ctrl-C, usage mistakes, outputs, bad values, defaults.

Every failure is one line on stderr (never a traceback) with exit 2 (130 for Ctrl-C), and no
input file is ever changed. The CLI runs in subprocesses, as users run it; the teacher for
Ctrl-C is a small local OpenAI-compatible server that answers slowly and deterministically.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from helpers import reply_completion
from typer.testing import CliRunner

from pipelines.cli import app, usage_error
from schemas.tables import staged, write_json, write_jsonl
from validators.dedup.config import DedupConfig

ROOT = Path(__file__).resolve().parents[1]
ROWS = [
    {"id": "a", "text": "where is the card I ordered last week", "label": "card"},
    {"id": "b", "text": "where is the card I ordered last week", "label": "card"},
    {"id": "c", "text": "how do I change the pin of my card", "label": "pin"},
    {"id": "d", "text": "what fee did you charge for my transfer", "label": "fee"},
    {"id": "e", "text": "I want to close my account today", "label": "close"},
]


def cli(*args: object, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipelines.cli", *map(str, args)]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kwargs
    )


def one_line(stderr: str) -> str:
    """The single line a failure prints; fails on a traceback or on more than one line."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


# --- usage mistakes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--bogus"), "No such option: --bogus"),
        (("generate", "{cfg}", "--out", "{tmp}/run", "--colour"), "No such option: --colour"),
        (("generate", "{cfg}", "--out", "{tmp}/run", "--n", "0"), "'--n'"),
        (("generate", "{cfg}", "--out", "{tmp}/run", "--n", "-5"), "'--n'"),
        (("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--threshold", "high"), "'--threshold'"),
        (("dedup", "--out", "{tmp}/o.jsonl"), "Missing argument 'IN'"),
    ],
    ids=["unknown-flag", "unknown-flag-generate", "n-zero", "n-negative", "not-a-number", "no-in"],
)
def test_usage_error_is_one_line_exit_2(
    records: Path, example_dir: Path, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    before = records.read_bytes()
    values = {"in": records, "cfg": example_dir / "config.yaml", "tmp": tmp_path}
    done = cli(*(a.format(**values) for a in args))
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith("error: ") and expected in line and "--help" in line
    assert records.read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "run").exists()


def test_usage_errors_known_by_class_and_by_name() -> None:
    """typer's private copy of click is found; should it move, the class name still works."""
    code, line = usage_error(typer.BadParameter("too small")) or (0, "")
    assert code == 2 and line.startswith("error: Invalid value: too small")

    class ClickException(Exception):  # what a relocated copy would look like
        exit_code = 2

        def format_message(self) -> str:
            return "No such option: --x\nmore"

    assert usage_error(ClickException()) == (
        2,
        "error: No such option: --x more (see 'synthmill --help')",
    )
    assert usage_error(ValueError("not a usage error")) is None


# --- outputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("dedup", "{in}", "--out", "{in}"),
        ("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--rejects", "{tmp}/./in.jsonl"),
        ("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--report", "{in}"),
        ("scrub", "{in}", "--out", "{in}"),
        ("scrub", "{in}", "--out", "{tmp}/o.jsonl", "--report", "{in}"),
        ("drift", "--reference", "{ref}", "--candidate", "{in}", "--report", "{in}"),
    ],
    ids=["dedup-out", "dedup-rejects", "dedup-report", "scrub-out", "scrub-report", "drift"],
)
def test_output_that_is_the_input_is_refused(
    records: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    reference = tmp_path / "ref.jsonl"
    reference.write_bytes(records.read_bytes())
    before = records.read_bytes()
    done = cli(*(a.format(**{"in": records, "ref": reference, "tmp": tmp_path}) for a in args))
    assert done.returncode == 2, done.stderr
    assert "is the input file" in one_line(done.stderr)
    assert records.read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("dedup", "{in}", "--out", "/proc/x/out.jsonl"), "--out"),
        (("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--report", "/proc/x/r.json"), "--report"),
        (("dedup", "{in}", "--out", "{tmp}/o.jsonl", "--rejects", "/proc/x/r.jsonl"), "--rejects"),
        (("scrub", "{in}", "--out", "{tmp}/o.jsonl", "--report", "/proc/x/r.json"), "--report"),
        (("generate", "{cfg}", "--out", "/proc/x/run"), "--out"),
    ],
    ids=["dedup-out", "dedup-report", "dedup-rejects", "scrub-report", "generate-out"],
)
def test_unwritable_output_fails_before_any_work(
    records: Path, example_dir: Path, tmp_path: Path, args: tuple[str, ...], option: str
) -> None:
    before = records.read_bytes()
    values = {"in": records, "cfg": example_dir / "config.yaml", "tmp": tmp_path}
    t0 = time.monotonic()
    done = cli(*(a.format(**values) for a in args))
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith(f"error: {option} /proc/x/") and "cannot write" in line
    assert not (tmp_path / "o.jsonl").exists()  # nothing half written
    assert records.read_bytes() == before
    assert time.monotonic() - t0 < 30  # scrub never loaded presidio, generate never scrubbed


def test_outputs_follow_the_umask(records: Path, tmp_path: Path) -> None:
    outputs = [tmp_path / "kept.jsonl", tmp_path / "rejects.parquet", tmp_path / "report.json"]
    done = cli(
        "dedup",
        records,
        "--out",
        outputs[0],
        "--rejects",
        outputs[1],
        "--report",
        outputs[2],
        "--no-publish",
        preexec_fn=lambda: os.umask(0o027),
    )
    assert done.returncode == 0, done.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in outputs}
    assert modes == dict.fromkeys(modes, 0o640)  # 0666 less the umask, not mkstemp's 0600


def test_staged_writes_land_together_or_not_at_all(tmp_path: Path) -> None:
    old = tmp_path / "report.json"
    write_json(old, {"old": True})
    with pytest.raises(RuntimeError), staged():
        write_jsonl(tmp_path / "kept.jsonl", [{"a": 1}])
        write_json(old, {"old": False})
        raise RuntimeError("the second output failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp files left
    assert json.loads(old.read_text()) == {"old": True}
    with staged():
        write_jsonl(tmp_path / "kept.jsonl", [{"a": 1}])
        write_json(old, {"old": False})
    assert json.loads(old.read_text()) == {"old": False}
    assert (tmp_path / "kept.jsonl").read_text() == '{"a": 1}\n'


# --- bad values ------------------------------------------------------------------------------

BAD_VALUES = {
    "list-in-text": ('{"text": "a b c d"}\n{"text": ["a", "b"]}\n', "bad.jsonl:2: field 'text'"),
    "number-in-text": ('{"text": "a b c d"}\n\n{"text": 5}\n', "bad.jsonl:3: field 'text'"),
    "list-among-text": (
        '{"text": "a b c d", "tags": "x"}\n{"text": "e f g h", "tags": ["y"]}\n',
        "bad.jsonl:2: field 'tags' is a list here but text on line 1",
    ),
}


@pytest.mark.parametrize("command", ["scrub", "dedup", "drift"])
@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_value_names_file_line_and_field(tmp_path: Path, command: str, case: str) -> None:
    content, expected = BAD_VALUES[case]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "a b c d", "tags": "x"}\n{"text": "e f g h", "tags": "y"}\n')
    if command == "drift":
        args: tuple[object, ...] = (
            "--reference",
            good,
            "--candidate",
            bad,
            "--text-fields",
            "text",
        )
    else:
        args = (bad, "--out", tmp_path / "out.jsonl", "--fields", "text")
    done = cli(command, *args)
    assert done.returncode == 2, done.stderr
    assert expected in one_line(done.stderr)
    assert bad.read_text(encoding="utf-8") == content
    assert not (tmp_path / "out.jsonl").exists()


BAD_CSV = {
    "open-quote": (b'text,label\nfine,a\n"never closed,b\nmore,c\n', "line 3: a quoted field"),
    "extra-field": (b"text,label\nfine,a\nsplit, by a comma,b\n", "line 3: 3 fields where"),
    "not-utf8": (b"text,label\nfine,a\ncaf\xe9,b\n", "line 3: not UTF-8"),
    "not-utf8-far": (b"text,label\n" + b"fine,a\n" * 1500 + b"caf\xe9,b\n", "line 1502: not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_names_the_line(tmp_path: Path, case: str) -> None:
    content, expected = BAD_CSV[case]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    done = cli("scrub", bad, "--out", tmp_path / "out.csv", "--fields", "text")
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr).startswith(f"error: {bad}: {expected}"), done.stderr


def test_folder_as_input_says_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    done = cli("dedup", folder, "--out", tmp_path / "out.jsonl")
    assert done.returncode == 2
    assert one_line(done.stderr) == f"error: {folder}: is a folder, not a data file"


# --- config ----------------------------------------------------------------------------------


def test_yaml_syntax_error_names_line_and_column(example_dir: Path) -> None:
    config = example_dir / "config.yaml"
    lines = config.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("seed:"))
    lines[at] = "seed: [1234"
    config.write_text("\n".join(lines) + "\n")
    done = cli("generate", config, "--out", example_dir / "run")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "not valid YAML at line" in line and "column" in line, line
    found = int(re.search(r"at line (\d+)", line).group(1))  # type: ignore[union-attr]
    assert found > at  # PyYAML notices the open bracket on a later line
    assert not (example_dir / "run").exists()


def test_generate_checks_data_before_making_the_out_folder(example_dir: Path) -> None:
    config = example_dir / "config.yaml"
    raw = yaml.safe_load(config.read_text())
    raw["data"]["label_field"] = "intent"  # trusted.csv has no such column
    raw["build"]["pii"] = False
    config.write_text(yaml.safe_dump(raw))
    done = cli("generate", config, "--out", example_dir / "run", "--teacher", "openai")
    assert done.returncode == 2, done.stderr
    assert "intent" in one_line(done.stderr)
    assert not (example_dir / "run").exists()


# --- defaults come from the config models ----------------------------------------------------


class _Stop(Exception):
    pass


def test_dedup_passes_only_the_options_given(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def build(**values: Any) -> DedupConfig:
        seen.append(values)
        raise _Stop

    monkeypatch.setattr(DedupConfig, "build", staticmethod(build))
    args = ["dedup", str(records), "--out", str(tmp_path / "o.jsonl"), "--threshold", "0.9"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, _Stop), result.output
    assert seen == [{"threshold": 0.9, "index": {}}]


def test_help_shows_the_model_defaults() -> None:
    runner = CliRunner()
    dedup = runner.invoke(app, ["dedup", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    for option, field in (("--num-perm", "num_perm"), ("--threshold", "threshold")):
        line = next(line for line in dedup.output.splitlines() if option in line)
        assert f"[default: {getattr(DedupConfig(), field)}]" in line, line
    scrub = runner.invoke(app, ["scrub", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    assert "[default: 0.4]" in scrub.output and "[default: all string fields]" in scrub.output


def test_dedup_without_options_uses_the_model_defaults(records: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = cli("dedup", records, "--out", tmp_path / "o.jsonl", "--report", report)
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["config"] == DedupConfig().model_dump(mode="json")


# --- Ctrl-C ----------------------------------------------------------------------------------


class _SlowTeacher(BaseHTTPRequestHandler):
    """An OpenAI-compatible completions server: a valid record per request, after a pause.

    The text carries the request's seed, so an answer found in the cache names its request.
    """

    delay_s = 0.25
    seeds: list[int] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.seeds.append(int(body["seed"]))
        time.sleep(self.delay_s)
        label = body["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"][0]
        text = f"hello, a question about request number {body['seed']} please"
        try:
            reply_completion(self, json.dumps({"label": label, "text": text}))
        except OSError:  # the client went away (Ctrl-C)
            pass

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def slow_server() -> Iterator[str]:
    _SlowTeacher.seeds = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowTeacher)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _cached_seeds(run: Path) -> set[int]:
    with sqlite3.connect(run / "teacher_cache.sqlite") as db:
        texts = [json.loads(r[0])["text"] for r in db.execute("SELECT response FROM calls")]
    return {int(re.search(r"number (\d+)", json.loads(t)["text"]).group(1)) for t in texts}  # type: ignore[union-attr]


def test_ctrl_c_keeps_what_finished_and_a_rerun_resumes(
    example_dir: Path, slow_server: str
) -> None:
    config = example_dir / "config.yaml"
    raw = yaml.safe_load(config.read_text())
    raw["n"] = 40
    raw["build"]["pii"] = False  # no presidio start: the test is about Ctrl-C
    raw["teacher"].update(
        kind="openai", model="test-model", base_url=slow_server, batch_size=4, http_retries=0
    )
    config.write_text(yaml.safe_dump(raw))
    run = example_dir / "run"
    command = [sys.executable, "-m", "pipelines.cli", "generate", str(config), "--out", str(run)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(_SlowTeacher.seeds) < 9:  # the 3rd batch asked: 2 batches are committed
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    stderr = err.decode()
    assert proc.returncode == 130, stderr
    line = one_line(stderr)
    assert line.startswith("interrupted: ") and "run the same command again" in line, line
    manifest = json.loads((run / "manifest.json").read_text())
    counts = manifest["counts"]
    assert manifest["partial"] is True and counts["accepted"] >= 8, manifest
    assert counts["accepted"] + counts["rejected"] + counts["pending"] == 40
    assert counts["pending"] > 0 and f"{counts['accepted']} accepted" in line
    kept = [json.loads(x) for x in (run / "generated.jsonl").read_text().splitlines()]
    assert len(kept) == counts["accepted"]
    assert (run / "rejected.jsonl").is_file()

    cached = _cached_seeds(run)
    first_run = len(_SlowTeacher.seeds)
    again = cli("generate", config, "--out", run)
    assert again.returncode == 0, again.stderr
    asked_again = set(_SlowTeacher.seeds[first_run:])
    assert asked_again and not asked_again & cached  # cached answers are not asked for again
    final = json.loads((run / "manifest.json").read_text())
    assert "partial" not in final and final["teacher"]["cache_hits"] == len(cached)
    assert final["counts"]["accepted"] + final["counts"]["rejected"] == 40
    lines = (run / "generated.jsonl").read_text().splitlines()
    resumed = {r["id"]: r for r in map(json.loads, lines)}
    assert all(resumed[r["id"]] == r for r in kept)  # what was kept is what a full run writes


def test_ctrl_c_in_a_terminal_stops_a_build_at_once(example_dir: Path, slow_server: str) -> None:
    """A terminal's Ctrl-C signals the whole process group. Prefect's temporary API server, a
    child of the build, used to die with it; the flow then retried the dead server for minutes
    and ended with a traceback and exit 1. It now runs in a session of its own."""
    config = example_dir / "config.yaml"
    raw = yaml.safe_load(config.read_text())
    raw["n"] = 40
    raw["build"].update(pii=False, finetune=False)
    raw["teacher"].update(
        kind="openai", model="test-model", base_url=slow_server, batch_size=4, http_retries=0
    )
    config.write_text(yaml.safe_dump(raw))
    run = example_dir / "run"
    command = [sys.executable, "-m", "pipelines.cli", "build", str(config), "--out", str(run)]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group, as a terminal's foreground job
        # no shared server: the build starts Prefect's temporary one, as for a user
        env={
            **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            "PREFECT_HOME": str(example_dir / "prefect-home"),
        },
    )
    try:
        deadline = time.monotonic() + 300  # the temporary server starts first
        while len(_SlowTeacher.seeds) < 9:  # inside the flow: the temporary server is up
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        started = time.monotonic()
        _out, err = proc.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    stderr = err.decode()
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert last.startswith("interrupted: the build") and "run the same command" in last, last
    assert took < 20, took  # not the minutes of retrying a dead server
    assert _cached_seeds(run)  # what the teacher answered is kept for the re-run


def test_ctrl_c_ends_a_command_whose_main_thread_cannot_see_it(tmp_path: Path) -> None:
    """While vLLM starts, the main thread waits in native code and Python's handler never runs.
    Here the main thread blocks SIGINT, so the signal lands on another thread: the watcher still
    ends the command with exit 130 and one line, and stops the process it started."""
    script = tmp_path / "stuck.py"
    script.write_text(
        "import signal, subprocess, sys, time\n"
        "from pipelines.cli.interrupt_watch import watch_interrupts\n"
        "assert watch_interrupts(grace=1.0)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        "print(child.pid, flush=True)\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})\n"
        "time.sleep(300)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 130
    assert one_line(err.decode()).startswith("interrupted (Ctrl-C): stopped")
    stat_file = Path(f"/proc/{child}/stat")
    deadline = time.monotonic() + 5
    while stat_file.exists() and stat_file.read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, "the started process is still running"
        time.sleep(0.1)


def _interrupted_after(script: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run a script that prints "main thread interrupted after S s" and exits 130 on its
    KeyboardInterrupt: (the finished process, S)."""
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 130 and "after " in done.stdout, (done.stdout, done.stderr)
    return done, float(done.stdout.split("after ")[1].split()[0])


def test_ctrl_c_that_lands_on_another_thread_still_interrupts_the_main_thread(
    tmp_path: Path,
) -> None:
    """The kernel gives a process's SIGINT to any of its threads. The main thread, waiting in a
    system call (vLLM polls for its engine), was not woken and the handler never ran; the
    watcher now sends the signal to the main thread, whose own clean-up then runs at once."""
    script = tmp_path / "elsewhere.py"
    script.write_text(
        "import signal, sys, threading, time\n"
        "from pipelines.cli.interrupt_watch import watch_interrupts\n"
        "assert watch_interrupts(grace=20.0)\n"
        "def other():\n"
        "    time.sleep(0.5)\n"
        "    signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # lands here, not on main\n"
        "    time.sleep(60)\n"
        "threading.Thread(target=other, daemon=True).start()\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    time.sleep(60)\n"
        "except KeyboardInterrupt:\n"
        "    print(f'main thread interrupted after {time.monotonic() - start:.1f} s', flush=True)\n"
        "    time.sleep(2)  # a clean-up: the nudge must not count as a second Ctrl-C\n"
        "    print('cleaned up', flush=True)\n"
        "    sys.exit(130)\n"
    )
    done, seconds = _interrupted_after(script)
    assert seconds < 5, done.stdout  # not the watcher's forced exit 20 s later
    assert "cleaned up" in done.stdout and not done.stderr.strip(), (done.stdout, done.stderr)


def test_a_ctrl_c_that_lands_in_a_weakref_callback_is_delivered_again(tmp_path: Path) -> None:
    """CI saw it: the handler ran inside a WeakSet's weakref callback, where Python ignores
    exceptions ("Exception ignored in ..."), and the build then ran to its end with rc 0. The
    watcher now delivers that interrupt again, and the main thread's own clean-up runs."""
    script = tmp_path / "in_callback.py"
    script.write_text(
        "import os, signal, sys, time, weakref\n"
        "from pipelines.cli.interrupt_watch import watch_interrupts\n"
        "assert watch_interrupts(grace=20.0)\n"
        "class Thing: pass\n"
        "def callback(_ref):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    for _ in range(100_000):  # the handler runs here, inside the callback\n"
        "        pass\n"
        "    print('callback finished', flush=True)\n"
        "thing = Thing()\n"
        "ref = weakref.ref(thing, callback)\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    del thing\n"
        "    time.sleep(10)\n"
        "    print('not interrupted', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print(f'main thread interrupted after {time.monotonic() - start:.1f} s', flush=True)\n"
        "    sys.exit(130)\n"
    )
    done, seconds = _interrupted_after(script)
    assert "callback finished" not in done.stdout, done.stdout  # the signal landed in the callback
    assert seconds < 5, done.stdout
    assert not done.stderr.strip(), done.stderr  # no "Exception ignored" traceback either


def test_mistakes_found_by_a_new_user_are_one_line_and_exit_2(
    tmp_path: Path, example_dir: Path
) -> None:
    table = tmp_path / "dd.csv"
    table.write_text("id,text\n1,hello there\n2,hello there\n3,other\n")
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("id,text\n1,hello there\n,hello there\n")
    labelled = tmp_path / "lab.csv"
    labelled.write_text("text,label\nhi,card\nyo,crad\nhey,refnd\n")
    recognizers = tmp_path / "rec.yaml"
    recognizers.write_text("recognizers:\n  - name: acct\n    regex: 'ACC[0-9]{6}'\n")
    drift_config = tmp_path / "drift.yaml"
    drift_config.write_text("drift:\n  alpha: 0.05\n  thresholds: 3\n")
    config = tmp_path / "typo.yaml"
    config.write_text((example_dir / "config.yaml").read_text().replace("chunk_size", "chunk_sise"))
    not_report = tmp_path / "run"
    not_report.mkdir()
    (not_report / "report.json").write_text("[]")
    lines = (example_dir / "trusted.csv").read_text().splitlines()
    lines[4] = "," + lines[4].rsplit(",", 1)[1]  # line 5: a label with no text
    (example_dir / "trusted.csv").write_text("\n".join(lines) + "\n")
    cases = [
        (("dedup", table, "--out", tmp_path / "o.csv", "--id-field", "uid"), "'uid'"),
        (("dedup", no_id, "--out", tmp_path / "o.csv"), f"{no_id}:3: field 'id' is empty"),
        (("scrub", table, "--out", tmp_path / "o.csv", "--fields", ","), "names nothing"),
        (("report", not_report), "not a build's report"),
        (("report", not_report / "report.json"), "a file: pass the run folder"),
        (("report", tmp_path / "nowhere"), "no such folder"),
        (
            ("drift", "--reference", table, "--candidate", table, "--number-fields", "text"),
            f"{table}:2: field 'text' is not a number",
        ),
        (
            ("evaluate", "--data", labelled, "--labels", "card,refund", "--limit", "1"),
            f"{labelled}:3: 2 rows carry labels not in --labels (crad, refnd)",
        ),
        (("evaluate", "--data", labelled, "--model", tmp_path / "nomodel"), "no such model folder"),
        (
            ("scrub", table, "--out", tmp_path / "o.csv", "--recognizers", recognizers),
            f"{recognizers}:3: unknown key 'recognizers.0.regex' (known here: name, entity, patterns",
        ),
        (
            ("drift", "--reference", table, "--candidate", table, "--config", drift_config),
            f"{drift_config}:3: unknown key 'thresholds' (known here: min_reference_rows, min_candidate_rows, alpha",
        ),
        (("build", config), "unknown key 'build.chunk_sise' (known here: chunk_size, pii"),
        (
            ("build", example_dir / "config.yaml", "--out", tmp_path / "b"),
            "trusted.csv:5: field 'text' is empty",
        ),
    ]
    for args, expected in cases:
        result = cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in one_line(result.stderr), (args, result.stderr)
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "b").exists()
    typo = [n for n, line in enumerate(config.read_text().splitlines(), 1) if "chunk_sise" in line]
    assert f"{config}:{typo[0]}: " in cli("build", config).stderr
    # a service that does not answer is a runtime failure (exit 1), not the user's input
    redis = ("--index", "redis", "--redis-url", "redis://127.0.0.1:1/0")
    down = cli("dedup", table, "--out", tmp_path / "o.csv", *redis)
    assert down.returncode == 1 and "cannot reach Redis" in one_line(down.stderr)


def test_more_mistakes_of_a_new_user_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """Paths of the wrong kind, folders that are not models or adapters, files that are not
    JSON or GGUF, a report.json edited by hand: one line each, exit 2, no traceback."""
    table = tmp_path / "dd.csv"
    table.write_text("id,text\n1,hello there\n2,hello there\n3,other\n")
    labelled = tmp_path / "lab.csv"
    labelled.write_text("text,label\nhi,a\nyo,b\n")
    empty_model = tmp_path / "empty_model"
    empty_model.mkdir()
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{not json")
    run = tmp_path / "run"
    run.mkdir()
    (run / "report.json").write_text(json.dumps({"name": "x", "counts": {}, "evaluation": "x"}))
    cases = [
        (
            ("dedup", table, "--out", tmp_path / "o.csv", "--index", "file", "--index-path", table),
            f"{table}: a file where a folder is needed",
        ),
        (
            ("evaluate", "--data", labelled, "--model", empty_model),
            "a folder without config.json, not a Hugging Face model folder",
        ),
        (
            ("evaluate", "--data", labelled, "--adapter", adapter),
            f"{adapter / 'adapter_config.json'}:1: not valid JSON",
        ),
        (("report", run), "report.json: fields of other types than a build writes"),
    ]
    for args, expected in cases:
        result = cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in one_line(result.stderr), (args, result.stderr)
    assert not (tmp_path / "o.csv").exists()


def test_a_file_system_error_on_a_named_path_is_one_line() -> None:
    import errno

    from pipelines.cli import _path_error

    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/runs/x")
    assert _path_error(denied) == (
        2,
        "error: /srv/runs/x: permission denied; choose another path or fix its permissions",
    )
    assert _path_error(OSError(errno.ENOSPC, "No space left", "/tmp/o.csv"))[0] == 1  # type: ignore[index]
    assert _path_error(OSError(errno.EIO, "I/O error", "/tmp/o.csv")) is None  # not a path mistake
    assert _path_error(ValueError("x")) is None
