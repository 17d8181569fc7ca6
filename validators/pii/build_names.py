"""Generate `data/names.tsv.gz`, the trimmed name list the name recognizer reads.

Sources (read straight from their wheels or installed folders; neither package is imported, so
neither is a runtime dependency of synthmill):

* `names-dataset==3.3.1` (Apache-2.0): first and last names from 105 countries, each with its
  rank in the countries where it is common. It is 55 MB and takes about 10 s and 2 GB to load,
  so synthmill ships only the names ranked in the top `--max-rank` of some country.
* `wordfreq==3.1.1` (Apache-2.0 code, CC-BY-SA data): English word frequencies (Zipf scale),
  used to flag names that are also common English words ('Will', 'May', 'Can', 'Bank'); those
  need more evidence before they count as a name.

Each output line is `name<TAB>first_rank<TAB>last_rank<TAB>english_zipf` (blank when absent),
the name casefolded, sorted; English words at least `--min-zipf` frequent that are no name are
listed too, with no ranks, so that the recognizer can tell 'Euros' or 'Reference' from a rare
name. Only single words of letters (inner apostrophes or hyphens allowed)
are kept, in Latin script (the spaCy pipeline is English).

    pip download --no-deps -d /tmp/w names-dataset==3.3.1 wordfreq==3.1.1
    python -m validators.pii.build_names --names /tmp/w/names_dataset-3.3.1-py3-none-any.whl \\
        --wordfreq /tmp/w/wordfreq-3.1.1-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import pickle
import zipfile
from pathlib import Path

import regex

OUT = Path(__file__).resolve().parent / "data" / "names.tsv.gz"
_WORD = regex.compile(r"^\p{Latin}+(?:['’-]\p{Latin}+)*$")  # Latin script only


def _member(source: Path | None, package: str, inner: str) -> bytes:
    """The bytes of `inner` (a path inside `package`) from a wheel, a folder or the install."""
    if source is None:
        spec = importlib.util.find_spec(package)  # finds without importing
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{package} is not installed; pass its wheel with a flag")
        source = Path(next(iter(spec.submodule_search_locations))).parent
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(f"{package}/{inner}")
    return (source / package / inner).read_bytes()


def _load_pickle(blob: bytes) -> dict:
    with gzip.open(io.BytesIO(blob)) as fh:
        return pickle.load(fh)  # noqa: S301 - a pinned, published package's own data file


def english_zipf(blob: bytes) -> dict[str, float]:
    """wordfreq's cBpack: after a header, bucket i holds the words of frequency 10**(-i/100)."""
    import msgpack

    data = msgpack.unpackb(gzip.decompress(blob), raw=False, strict_map_key=False)
    zipf: dict[str, float] = {}
    for i, bucket in enumerate(data[1:]):
        for word in bucket:
            zipf.setdefault(word, round(9 - i / 100, 2))
    return zipf


def best_ranks(table: dict, max_rank: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, info in table.items():
        ranks = info.get("rank") or {}
        if not ranks or not _WORD.match(name):
            continue
        best = min(ranks.values())
        if best <= max_rank:
            key = name.casefold()
            out[key] = min(best, out.get(key, best))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=Path, help="names-dataset wheel or site folder")
    parser.add_argument("--wordfreq", type=Path, help="wordfreq wheel or site folder")
    parser.add_argument("--max-rank", type=int, default=4000, help="keep names ranked up to this")
    parser.add_argument(
        "--min-zipf", type=float, default=3.3, help="also list English words this frequent"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    first = best_ranks(
        _load_pickle(_member(args.names, "names_dataset", "v3/first_names.pkl.gz")), args.max_rank
    )
    last = best_ranks(
        _load_pickle(_member(args.names, "names_dataset", "v3/last_names.pkl.gz")), args.max_rank
    )
    zipf = english_zipf(_member(args.wordfreq, "wordfreq", "data/large_en.msgpack.gz"))
    words = {w for w, z in zipf.items() if z >= args.min_zipf and _WORD.match(w)}
    lines = []
    for name in sorted(first.keys() | last.keys() | words):
        z = zipf.get(name)
        lines.append(
            f"{name}\t{first.get(name, '')}\t{last.get(name, '')}\t{'' if z is None else z:}\n"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as fh:
        fh.write("".join(lines).encode("utf-8"))  # no name, no time: same input, same bytes
    size = args.out.stat().st_size
    print(
        f"{len(lines)} words ({len(first)} first names, {len(last)} last names) -> {args.out}, {size} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
