"""Text features shared by the label check and the two-sample test: TF-IDF over words (1-2) and
characters within words (2-5), the usual strong baseline for short texts."""

from __future__ import annotations

from typing import Any


def tfidf_features() -> Any:
    """An unfitted scikit-learn transformer: word and character TF-IDF side by side."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
            ),
        ]
    )


def word_counts(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]
