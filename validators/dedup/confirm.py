"""Confirm LSH candidate pairs: by estimated Jaccard for long texts, by their words for short ones.

See `validators.dedup.config` for the rules and `validators.dedup.words` for the word check.
Texts are split into words only for the short candidate pairs, so long-document runs never pay
for it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from validators.dedup.config import DedupConfig
from validators.dedup.frames import Frames, Stripped, compatible
from validators.dedup.lsh_bands import near
from validators.dedup.segments import Segment, found_inside, segments
from validators.dedup.words import same_words, words

_WORD_RUN = r"\w+"


def word_counts(texts: pl.Series, rows: np.ndarray) -> np.ndarray:
    """Words in each of `texts[rows]` (runs of word characters; counted in polars)."""
    counted = texts.gather(rows).str.count_matches(_WORD_RUN).fill_null(0)
    return counted.to_numpy().astype(np.int64)


class TextWords:
    """Words of the texts at `rows` of a column, split on first use, and the same words with
    the dataset's re-send frames taken off (`frames`)."""

    def __init__(self, texts: pl.Series, rows: np.ndarray, frames: Frames | None = None) -> None:
        self._texts = texts
        self._rows = rows
        self._frames = frames or Frames()
        self._split: dict[int, tuple[str, ...]] = {}
        self._stripped: dict[int, Stripped | None] = {}
        self._segments: dict[int, tuple[Segment, ...]] = {}

    def load(self, ks: np.ndarray) -> None:
        """Split the texts of positions `ks` (one gather for all of them)."""
        wanted = [k for k in np.unique(ks).tolist() if k not in self._split]
        if wanted:
            chosen = self._texts.gather(self._rows[wanted]).fill_null("").to_list()
            self._split.update(zip(wanted, map(words, chosen), strict=True))
            self._stripped.update(zip(wanted, map(self._frames.peel, chosen), strict=True))
            self._segments.update(zip(wanted, map(segments, chosen), strict=True))

    def __getitem__(self, k: int) -> tuple[str, ...]:
        return self._split[k]

    def segments(self, k: int) -> tuple[Segment, ...]:
        """The words of each segment of text `k` (`validators.dedup.segments`)."""
        return self._segments[k]

    def stripped(self, k: int) -> Stripped | None:
        """The words of text `k` without its frames; None when it has none."""
        return self._stripped.get(k)


def same_message(
    a: tuple[str, ...],
    b: tuple[str, ...],
    sa: Stripped | None,
    sb: Stripped | None,
    added: int,
    places: int,
    segs_a: tuple[Segment, ...] = (),
    segs_b: tuple[Segment, ...] = (),
) -> bool:
    """`same_words` on the texts as written, else one text as sentences of the other with
    some at its edges left out (`segments.found_inside`, on `segs_a` / `segs_b`), else with the
    re-send frames of one or both taken off. Two texts that lost different frames at the same
    edge (`frames.compatible`) are not compared without their frames: "X. Is it free?" / "X. Is
    it safe?" are two requests even where `added` would let one frame be dropped (a sentence
    that asks never comes off as a segment either)."""
    if same_words(a, b, added, places):
        return True
    if found_inside(segs_a, b, places) or found_inside(segs_b, a, places):
        return True
    if sa is not None and sb is not None and not compatible(sa, sb):
        return False
    options = []
    if sa is not None:
        options.append((sa.core, b))
    if sb is not None:
        options.append((a, sb.core))
    if sa is not None and sb is not None:
        options.append((sa.core, sb.core))
    return any(x and y and same_words(x, y, added, places) for x, y in options)


def confirm(
    sim: np.ndarray,
    pair_sizes: np.ndarray,
    words_a: TextWords | None,
    counts_a: np.ndarray,
    ia: np.ndarray,
    words_b: TextWords | None,
    counts_b: np.ndarray,
    ib: np.ndarray,
    config: DedupConfig,
) -> np.ndarray:
    """Which candidate pairs (ia[k], ib[k]) are near copies.

    Without the word check (`short_words` 0, or no texts) this is `lsh_bands.near`. With it, a
    pair where either text has at most `short_words` words is a near copy when its words say so
    (`words.same_words`), whatever its Jaccard; any other pair when its Jaccard is at least
    `threshold`.
    """
    if not config.short_words or words_a is None or words_b is None:
        return near(sim, pair_sizes, config)
    ok = sim >= config.threshold
    short = np.minimum(counts_a[ia], counts_b[ib]) <= config.short_words
    ok[short] = False
    check = np.flatnonzero(short & (sim >= config.short_min_jaccard))
    if check.size:
        words_a.load(ia[check])
        words_b.load(ib[check])
        added, places = config.added_words, config.changed_places
        ok[check] = [
            same_message(
                words_a[a],
                words_b[b],
                words_a.stripped(a),
                words_b.stripped(b),
                added,
                places,
                words_a.segments(a),
                words_b.segments(b),
            )
            for a, b in zip(ia[check].tolist(), ib[check].tolist(), strict=True)
        ]
    return ok
