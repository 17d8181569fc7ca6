"""No trusted value that the scrubber would replace ever reaches a teacher.

`synthmill generate` (not only `build`) runs on a trusted sample holding names, phones, cards
and emails, against a local OpenAI-compatible server that records every prompt it receives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import yaml
from helpers import reply_completion

SYNTHMILL = Path(sys.executable).parent / "synthmill"
PII_ROWS = [
    ("Hi, this is John Carter, my card 4111 1111 1111 1111 never arrived", "card_arrival"),
    ("Please call me on +44 7700 900123 about my new card", "card_arrival"),
    ("My email is maria.lopez@example.com, I lost my card", "lost_or_stolen_card"),
    ("Aisha Khan here: someone stole my card near 12 Baker Street", "lost_or_stolen_card"),
]


class _Recorder(BaseHTTPRequestHandler):
    prompts: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Recorder.prompts.append(body.get("prompt") or json.dumps(body.get("messages")))
        label = body["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"][0]
        reply_completion(self, json.dumps({"label": label, "text": "where is my new card now"}))

    def log_message(self, *args: object) -> None:
        return None


def test_generate_never_sends_a_value_the_scrubber_replaces(example_dir: Path) -> None:
    from validators.pii import PIIConfig, scrub_frame

    trusted = pl.read_csv(example_dir / "trusted.csv")
    pii = pl.DataFrame({"text": [t for t, _ in PII_ROWS], "category": [c for _, c in PII_ROWS]})
    pl.concat([pii, trusted]).write_csv(example_dir / "trusted.csv")
    raw = yaml.safe_load((example_dir / "config.yaml").read_text())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        raw["teacher"].update(
            kind="openai", base_url=f"http://127.0.0.1:{server.server_port}/v1", batch_size=8
        )
        raw["sampling"]["few_shot"] = 20  # most trusted rows of a label land in some prompt
        raw["sampling"]["label_weights"] = {"card_arrival": 1.0, "lost_or_stolen_card": 1.0}
        (example_dir / "config.yaml").write_text(yaml.safe_dump(raw))
        done = subprocess.run(
            [str(SYNTHMILL), "generate", str(example_dir / "config.yaml"), "--n", "16"]
            + ["--out", str(example_dir / "out")],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr[-2000:]
    prompts = "\n".join(_Recorder.prompts)
    assert len(_Recorder.prompts) >= 16
    # The rows were offered to the teacher (scrubbed), so the check below is not vacuous...
    assert "never arrived" in prompts and "someone stole my card" in prompts
    # ...and nothing the scrubber finds in them reached it.
    scrubbed, report = scrub_frame(pii, ["text"], PIIConfig())
    assert report.rows_changed == len(PII_ROWS)
    replaced = {"John Carter", "4111 1111 1111 1111", "+44 7700 900123", "maria.lopez@example.com"}
    replaced |= {"Aisha Khan", "12 Baker Street"}
    after = "\n".join(scrubbed["text"].to_list())
    assert not [v for v in replaced if v in after]  # each is a value the scrubber replaces
    leaked = sorted(v for v in replaced if v in prompts)
    assert not leaked, f"trusted PII reached the teacher: {leaked}"
