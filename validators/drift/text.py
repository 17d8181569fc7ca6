"""Features of a text field for the drift gate, from mergeable per-batch summaries.

`summarise_texts` turns one batch of texts into lengths and (row, word, count) triples; any
worker can do it. `merge_summaries` joins batches in order, ranks the words over all of them and
builds the row-by-word count matrix, so the features of a column summarised in batches equal
those of the whole column (`text_features`, one batch) to the last count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

WORD = r"\w+"


@dataclass(frozen=True)
class TextFeatures:
    """Per-row lengths and a document-by-word count matrix over reference then candidate rows."""

    chars: np.ndarray
    words: np.ndarray
    counts: sparse.csr_matrix
    vocabulary: list[str]
    n_reference: int


@dataclass(frozen=True)
class TextSummary:
    """One batch: characters and words per row, and how often each word occurs in each row."""

    chars: np.ndarray
    words: np.ndarray
    pairs: pl.DataFrame  # doc (row in the batch), word, n


def summarise_texts(texts: pl.Series) -> TextSummary:
    """Lengths and word counts of a batch; words are lower-cased `\\w+` runs."""
    texts = texts.cast(pl.String).fill_null("")
    tokens = (
        pl.DataFrame({"doc": np.arange(texts.len()), "word": texts.str.to_lowercase()})
        .with_columns(pl.col("word").str.extract_all(WORD))
        .explode("word")
        .drop_nulls("word")
    )
    words = np.bincount(tokens["doc"].to_numpy(), minlength=texts.len()).astype(np.int64)
    pairs = tokens.group_by("doc", "word").agg(pl.len().cast(pl.Int64).alias("n"))
    chars = texts.str.len_chars().to_numpy().astype(np.int64)
    return TextSummary(chars, words, pairs)


def merge_summaries(
    parts: list[TextSummary], n_reference: int, max_vocabulary: int
) -> TextFeatures:
    """Features of the batches' rows in order; the first `n_reference` rows are the reference.

    The `max_vocabulary` commonest words get a column each (ties by word); rarer words share one
    last column ("<other>") so the vocabulary distance still sees how much text falls outside
    the common words.
    """
    offsets = np.cumsum([0] + [p.chars.size for p in parts])
    pairs = pl.concat(
        [p.pairs.with_columns(pl.col("doc") + int(o)) for p, o in zip(parts, offsets, strict=False)]
    )
    ranked = (
        pairs.group_by("word")
        .agg(pl.col("n").sum().alias("len"))
        .sort(["len", "word"], descending=[True, False])
        .head(max_vocabulary)
        .with_row_index("id")
    )
    vocabulary = ranked["word"].to_list()
    ids = pairs.join(ranked.select("word", pl.col("id").cast(pl.Int64)), on="word", how="left")
    col = ids["id"].fill_null(len(vocabulary)).to_numpy()
    rows = int(offsets[-1])
    counts = sparse.csr_matrix(
        (ids["n"].to_numpy().astype(np.float64), (ids["doc"].to_numpy(), col)),
        shape=(rows, len(vocabulary) + 1),
    )
    counts.sum_duplicates()
    chars = np.concatenate([p.chars for p in parts]) if parts else np.zeros(0, np.int64)
    words = np.concatenate([p.words for p in parts]) if parts else np.zeros(0, np.int64)
    return TextFeatures(chars, words, counts, [*vocabulary, "<other>"], n_reference)


def text_features(ref: pl.Series, cand: pl.Series, max_vocabulary: int) -> TextFeatures:
    """Lengths in characters and words, and word counts over the commonest words, of both sets."""
    whole = summarise_texts(pl.concat([ref.cast(pl.String), cand.cast(pl.String)]))
    return merge_summaries([whole], ref.len(), max_vocabulary)
