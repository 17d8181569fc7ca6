"""The drift gate: compare a candidate set with the trusted reference, field by field.

`drift_report` picks tests from each field's kind (see `drift_fields`), runs them (see
`drift_checks`), corrects all p-values together with Holm's method and judges each check against
its threshold. It returns a `DriftReport`; writing files and the exit code are the CLI's business.
"""

from __future__ import annotations

import math

import polars as pl

from schemas.errors import ConfigError
from validators.drift.checks import joint_check, label_checks, number_checks, text_checks
from validators.drift.config import DriftConfig
from validators.drift.fields import FieldPlan, TextFeatures, plan_fields, text_features
from validators.drift.report import DriftCheck, DriftReport, FieldProfile
from validators.drift.stats import holm_adjust


def _joint_fields(plans: list[FieldPlan], config: DriftConfig) -> tuple[str, str] | str:
    """(label, text) for the joint check, or the reason it cannot run."""
    labels = [p.name for p in plans if p.kind == "label"]
    texts = [p.name for p in plans if p.kind == "text"]
    label = config.label_field or (labels[0] if len(labels) == 1 else None)
    if label is None:
        return f"joint check skipped: {len(labels)} label fields; name one with label_field"
    if not texts:
        return "joint check skipped: no text field"
    return label, texts[0]


def _pair(reference: pl.DataFrame, candidate: pl.DataFrame, name: str) -> pl.Series:
    return pl.concat([reference[name].cast(pl.String), candidate[name].cast(pl.String)])


def _joint(
    reference: pl.DataFrame,
    candidate: pl.DataFrame,
    label: str,
    text: str,
    cached: TextFeatures | None,
    config: DriftConfig,
) -> DriftCheck:
    """The joint check on rows where both the label and the text are present."""
    ref = reference.select(label, text).drop_nulls()
    cand = candidate.select(label, text).drop_nulls()
    same_rows = ref.height == reference.height and cand.height == candidate.height
    feats = cached if cached is not None and same_rows else None
    if feats is None:
        feats = text_features(ref[text], cand[text], config.max_vocabulary)
    return joint_check(label, text, _pair(ref, cand, label), feats, config)


def drift_report(
    reference: pl.DataFrame,
    candidate: pl.DataFrame,
    config: DriftConfig | None = None,
    features: dict[str, TextFeatures] | None = None,
) -> DriftReport:
    """Compare `candidate` with `reference` and judge every check; raises ConfigError on bad input.

    A reference under `config.min_reference_rows` rows is bad input: too small for the checks to
    tell drift from chance (see that field), so it is refused rather than passed.

    `features` of text fields, merged from per-batch summaries made elsewhere (see
    `drift_text`), are used as given instead of being computed here; the report is the same.
    Nothing is written and nothing is raised for drift itself: read `report.verdict`.
    """
    config = config or DriftConfig()
    for which, frame in (("reference", reference), ("candidate", candidate)):
        if frame.height == 0:
            raise ConfigError(f"the {which} has no rows")
    if reference.height < config.min_reference_rows:
        raise ConfigError(
            f"the reference has {reference.height} row{'' if reference.height == 1 else 's'}; "
            f"the drift gate needs at least "
            f"{config.min_reference_rows} to tell drift from chance (to change it, set "
            "min_reference_rows in the drift settings: a --config YAML, or drift: in a build "
            "config)"
        )
    notes: list[str] = []
    if candidate.height < config.min_candidate_rows:
        notes.append(
            f"the candidate has {candidate.height} row{'' if candidate.height == 1 else 's'}, "
            "under min_candidate_rows "
            f"({config.min_candidate_rows}): too few to tell drift from chance, so a pass here "
            "says little"
        )
    plans = plan_fields(
        reference,
        candidate,
        fields=config.fields,
        label_fields=(config.label_field,) if config.label_field else (),
        text_fields=config.text_fields,
        number_fields=config.number_fields,
        max_distinct_ratio=config.max_distinct_ratio,
    )
    checks: list[DriftCheck] = []
    profiles: list[FieldProfile] = []
    given = features or {}
    features = {}
    for plan in plans:
        ref, cand = reference[plan.name], candidate[plan.name]
        if plan.kind == "label":
            found, profile = label_checks(plan, ref, cand, config)
        elif plan.kind == "number":
            found, profile = number_checks(plan, ref, cand, config)
        else:
            if plan.name in given:
                features[plan.name] = given[plan.name]
            else:
                r, c = ref.drop_nulls().cast(pl.String), cand.drop_nulls().cast(pl.String)
                features[plan.name] = text_features(r, c, config.max_vocabulary)
            found, profile = text_checks(plan, features[plan.name], config)
        checks += found
        profiles.append(profile)
    if config.joint_check:
        joint = _joint_fields(plans, config)
        if isinstance(joint, str):
            notes.append(joint)
        else:
            label, text = joint
            checks.append(_joint(reference, candidate, label, text, features.get(text), config))
    return _judge(checks, profiles, notes, reference.height, candidate.height, config)


def _judge(
    checks: list[DriftCheck],
    profiles: list[FieldProfile],
    notes: list[str],
    n_reference: int,
    n_candidate: int,
    config: DriftConfig,
) -> DriftReport:
    """Holm over every p-value, then each check's verdict and the overall one."""
    tested = [i for i, c in enumerate(checks) if c.p_value is not None]
    floor = 1 / (config.n_permutations + 1)
    if tested and floor * len(tested) >= config.alpha:
        need = math.ceil(len(tested) / config.alpha)
        raise ConfigError(
            f"n_permutations={config.n_permutations} cannot reach alpha={config.alpha:g} over "
            f"{len(tested)} checks; use n_permutations of at least {need}"
        )
    adjusted = holm_adjust([checks[i].p_value for i in tested])  # type: ignore[misc]
    by_index = dict(zip(tested, adjusted, strict=True))
    judged = [c.judged(by_index.get(i), config.alpha) for i, c in enumerate(checks)]
    verdict = "fail" if any(c.verdict == "fail" for c in judged) else "pass"
    return DriftReport(
        verdict=verdict,
        alpha=config.alpha,
        n_reference=n_reference,
        n_candidate=n_candidate,
        checks=judged,
        fields=profiles,
        notes=notes,
        config=config.model_dump(mode="json"),
    )
