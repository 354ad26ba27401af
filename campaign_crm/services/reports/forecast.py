"""A forecast of the active LKS jobs on the target date (and a later date), with a Monte Carlo band.

Three sources of jobs, each read from the database as counts (never a row per lead or placement):

1. the LKS jobs active on the reference date, each kept to the horizon with the Kaplan–Meier survival
   of LKS placements, given how long it has run already;
2. today's open pipeline, counted per stage and per week the lead has been in it, each lead moving on,
   placed or lost in a coming week with the weekly chances that leads in that stage had in the recent
   cohorts (a life table: leads still in a stage are followed up to the reference date, then censored);
3. the inflow of new leads at the rate of the recent weeks, worked through the same chances from "new".

A placement becomes an LKS job with the recent share of LKS among placements, starts the recent number
of weeks after the lead was placed, and is kept with the same survival. The expected value adds the three
up; the band comes from `runs` simulated futures (random.Random(seed), so the same seed gives the same
band) in which every count is drawn around its expectation and the conversion, the inflow and the
retention vary with how many observations they rest on. The method, its simplifications and a back-test
are in docs/reports.md, "Forecast".
"""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, case, cast, func, literal, literal_column, or_, select, text, union_all

from ...models import Lead, Placement
from ...models.leads import OPEN_STAGES_SQL
from ...models.types import UTCDateTime
from .. import reference
from ..calendar import today
from ..errors import ValidationError
from .period import local_midnight_utc
from .response_times import epoch_seconds
from .retention import retention
from .sqltime import days_between, dialect, run

LKS = "lks"
PIPELINE_STAGES = ("new", "assigned", "contacted", "meeting", "vacancy")
STAGE_NAMES = {"new": "Nieuw", "assigned": "Toegewezen", "contacted": "Contact gehad", "meeting": "Adviesgesprek",
               "vacancy": "Vacature"}
WEEK = 7 * 86400
COHORT_WEEKS = 52          # "recent cohorts": the leads created in the year before the reference date
INFLOW_WEEKS = 8           # the recent inflow rate: leads that came in over the last eight weeks
MAX_AGE_WEEKS = 52         # older pipeline leads are counted as 52 weeks in their stage
MIN_AT_RISK = 10           # weeks with fewer leads at risk borrow the chances of the weeks before
MAX_HORIZON_DAYS = 3 * 366
RUNS = (100, 2000)
DEFAULT_RUNS = 400
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class ForecastInput:
    """What the forecast is asked: reference date, later date, the what-if values (None: as measured), seed."""

    as_of: date | None = None
    until: date | None = None
    inflow_per_week: float | None = None
    conversion_factor: float = 1.0
    first_year_dropout: float | None = None   # a share, 0.25 = 25 %
    seed: int = DEFAULT_SEED
    runs: int = DEFAULT_RUNS


def _checked(data: ForecastInput, target_day: date) -> ForecastInput:
    """The input with its defaults filled in; every wrong field named in one ValidationError, in Dutch."""
    errors: dict[str, str] = {}
    as_of = data.as_of or today()
    if as_of > today():
        errors["as_of"] = "De peildatum mag niet in de toekomst liggen."
    until = data.until or max(target_day, as_of) + timedelta(days=182)
    if until <= as_of:
        errors["until"] = "De latere datum moet na de peildatum liggen."
    elif (until - as_of).days > MAX_HORIZON_DAYS:
        errors["until"] = "De latere datum mag hoogstens drie jaar na de peildatum liggen."
    if data.inflow_per_week is not None and not 0 <= data.inflow_per_week <= 100_000:
        errors["inflow_per_week"] = "De instroom per week moet tussen 0 en 100.000 leads liggen."
    if not 0 <= data.conversion_factor <= 5:
        errors["conversion_factor"] = "De conversiefactor moet tussen 0 en 5 liggen (1 = zoals gemeten)."
    if data.first_year_dropout is not None and not 0 <= data.first_year_dropout <= 0.95:
        errors["first_year_dropout"] = "De uitval in het eerste jaar moet tussen 0 en 95 procent liggen."
    if not 0 <= data.seed < 2**31:
        errors["seed"] = "Het startgetal moet een geheel getal tussen 0 en 2.147.483.647 zijn."
    if not RUNS[0] <= data.runs <= RUNS[1]:
        errors["runs"] = f"Het aantal simulaties moet tussen {RUNS[0]} en {RUNS[1]} liggen."
    if errors:
        raise ValidationError("De prognose kan zo niet worden berekend.", errors)
    return ForecastInput(as_of, until, data.inflow_per_week, data.conversion_factor, data.first_year_dropout,
                         data.seed, data.runs)


# --- reading the counts --------------------------------------------------------------------------------

def _stage_times() -> list[Any]:
    return [Lead.created_at, Lead.assigned_at, Lead.contacted_at, Lead.meeting_at, Lead.vacancy_at]


def _weeks(later: Any, earlier: Any) -> Any:
    """Whole weeks from `earlier` to `later`, two timestamps (one function call each on SQLite)."""
    if dialect() == "sqlite":
        return cast((func.julianday(later) - func.julianday(earlier)) / literal_column("7"), Integer)
    return cast(func.floor(func.extract("epoch", later - earlier) / literal_column(str(WEEK))), Integer)


def _once(query: Any) -> Any:
    """On SQLite, a per-row subquery that the outer GROUP BY reads as it comes (a co-routine): without the
    LIMIT the flattener copies each computed column into every place the outer query uses it."""
    return query.limit(-1) if dialect() == "sqlite" else query


def _pipeline(cutoff: datetime, open_now: bool) -> dict[tuple[int, int], int]:
    """Leads open at the cutoff: {(stage index, whole weeks in that stage, at most MAX_AGE_WEEKS): count}.
    `open_now`: the cutoff is now, so the open leads are those whose stage is open (the stage index)."""
    c = literal(cutoff, UTCDateTime())
    times = _stage_times()
    stage = case(*[(times[i] < c, literal_column(str(i))) for i in range(len(times) - 1, 0, -1)],
                 else_=literal_column("0"))
    since = case(*[(times[i] < c, times[i]) for i in range(len(times) - 1, 0, -1)], else_=Lead.created_at)
    where = [Lead.created_at < c, or_(Lead.placed_at.is_(None), Lead.placed_at >= c),
             or_(Lead.lost_at.is_(None), Lead.lost_at >= c)]
    if open_now:
        where.append(text(f"leads.{OPEN_STAGES_SQL}"))
    inner = _once(select(stage.label("stage"), _weeks(c, since).label("age")).where(*where)).subquery("open")
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for s, age, n in run(select(inner.c.stage, inner.c.age, func.count()).group_by(inner.c.stage, inner.c.age)):
        counts[int(s), min(max(int(age), 0), MAX_AGE_WEEKS)] += int(n)
    return dict(counts)


def _life_table(cutoff: datetime) -> dict[int, dict[str, dict[int, int]]]:
    """For each stage: the leads of the recent cohorts (created in the COHORT_WEEKS weeks before the cutoff)
    that reached it, by whole weeks from reaching it to leaving it: moved on to the next stage ("m"),
    placed ("p"), lost ("l"), or still in it at the cutoff ("c", censored). {stage: {kind: {week: count}}}."""
    c = literal(cutoff, UTCDateTime())
    times = _stage_times()
    parts = []
    for index, column in enumerate(times):
        ways = [(Lead.placed_at < c, "p", Lead.placed_at), (Lead.lost_at < c, "l", Lead.lost_at)]
        if index + 1 < len(times):
            # Reaching a later stage sets the skipped stages' times: the next stage's time is when it moved on.
            ways.insert(0, (times[index + 1] < c, "m", times[index + 1]))
        kind = case(*[(when, literal_column(f"'{k}'")) for when, k, _ in ways], else_=literal_column("'c'"))
        end = case(*[(when, moment) for when, _, moment in ways], else_=c)
        inner = _once(select(kind.label("kind"), _weeks(end, column).label("week")).where(
            Lead.created_at >= cutoff - timedelta(weeks=COHORT_WEEKS), Lead.created_at < c, column < c)
        ).subquery(f"reached_{index}")
        parts.append(select(literal_column(str(index)).label("stage"), inner.c.kind, inner.c.week, func.count())
                     .group_by(inner.c.kind, inner.c.week))
    table: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for stage, kind, week, n in run(union_all(*parts)).all():
        table[int(stage)][kind][max(int(week), 0)] += int(n)
    return table


def _placements(as_of: date) -> tuple[float, float, int]:
    """Of the placements from leads that started in the year up to `as_of`: the LKS share, the mean weeks
    from the lead's placement to the job's start, and how many there were."""
    start = epoch_seconds(Lead.placed_at)
    job = (days_between(Placement.start_date, literal(date(1970, 1, 1), Date)) * literal_column("86400"))
    row = run(select(func.count(), func.sum(case((Placement.instrument == LKS, 1), else_=0)),
                     func.avg((job - start) / literal_column("86400")))
              .select_from(Placement.__table__.join(Lead, Lead.id == Placement.lead_id))
              .where(Placement.start_date <= as_of, Placement.start_date > as_of - timedelta(days=365),
                     Lead.placed_at.is_not(None))).one()
    n = int(row[0] or 0)
    share = (row[1] or 0) / n if n else 0.0
    lag_days = float(row[2] or 0) if n else 14.0
    return share, max(lag_days, 0.0) / 7, n


def _inflow(cutoff: datetime) -> int:
    """Leads created in the INFLOW_WEEKS weeks before the cutoff that had reached the CRM by then."""
    c = literal(cutoff, UTCDateTime())
    return int(run(select(func.count()).where(
        Lead.created_at >= cutoff - timedelta(weeks=INFLOW_WEEKS), Lead.created_at < c,
        or_(Lead.arrived_at.is_(None), Lead.arrived_at < c))).scalar_one())


def _active_jobs(as_of: date) -> dict[int, int]:
    """LKS jobs active on `as_of`, by whole weeks they have run: {weeks: count}."""
    weeks = days_between(literal(as_of, Date), Placement.start_date) // literal_column("7")
    rows = run(select(weeks.label("w"), func.count()).where(
        Placement.instrument == LKS, Placement.start_date <= as_of,
        or_(Placement.end_date.is_(None), Placement.end_date > as_of)).group_by("w")).all()
    return {int(w): int(n) for w, n in rows}


def active_on(day: date) -> int:
    """LKS jobs active on `day` as recorded now (the truth a back-test compares with)."""
    return int(run(select(func.count()).where(
        Placement.instrument == LKS, Placement.start_date <= day,
        or_(Placement.end_date.is_(None), Placement.end_date > day))).scalar_one())


# --- the model -----------------------------------------------------------------------------------------

@dataclass
class Hazards:
    """Weekly chances for a lead in a stage, by week k since it reached it: moved on (m), placed (p), lost (l)."""

    moved: list[float]
    placed: list[float]
    lost: list[float]
    events: int                 # placements observed: how much the estimate rests on
    reached: int

    def at(self, week: int) -> tuple[float, float, float]:
        if not self.placed:
            return 0.0, 0.0, 0.0
        k = min(week, len(self.placed) - 1)
        return self.moved[k], self.placed[k], self.lost[k]


def _hazards(rows: dict[str, dict[int, int]]) -> Hazards:
    """The actuarial life table: at risk in week k = still in the stage at its start − half of those censored
    in it; a week followed by fewer than MIN_AT_RISK leads takes the pooled chances of the eight before it."""
    last = max([w for kind in rows.values() for w in kind] or [-1])
    reached = sum(n for kind in rows.values() for n in kind.values())
    chances: dict[str, list[float]] = {"m": [], "p": [], "l": []}
    left = reached
    for k in range(last + 1):
        counts = {kind: rows.get(kind, {}).get(k, 0) for kind in ("m", "p", "l", "c")}
        at_risk = left - counts["c"] / 2
        if at_risk < MIN_AT_RISK and chances["p"]:
            for values in chances.values():
                values.append(sum(values[-8:]) / len(values[-8:]))
            break
        for kind, values in chances.items():
            values.append(counts[kind] / at_risk if at_risk > 0 else 0.0)
        left -= sum(counts.values())
    return Hazards(chances["m"], chances["p"], chances["l"], sum(rows.get("p", {}).values()), reached)


@dataclass
class Survival:
    """S(t) of LKS jobs from the Kaplan–Meier curve, an exponential tail after the last day followed, and the
    what-if first-year dropout as a power of it (proportional hazards)."""

    curve: list[tuple[int, float]]
    endings: int
    power: float = 1.0
    rate: float | None = None   # when nothing ended yet: a constant hazard for the what-if dropout

    def __post_init__(self) -> None:
        self._days = [day for day, _ in self.curve]

    def base(self, days: float) -> float:
        if not self.curve:
            return 1.0
        last_day, last_s = self.curve[-1]
        if days <= last_day:
            index = bisect_right(self._days, days) - 1
            return self.curve[index][1] if index >= 0 else 1.0
        if last_s <= 0:
            return 0.0
        tail = -math.log(last_s) / last_day if last_day > 0 else 0.0
        return last_s * math.exp(-tail * (days - last_day))

    def __call__(self, days: float) -> float:
        if days < 0:
            return 0.0
        if self.rate is not None:
            return math.exp(-self.rate * days)
        return self.base(days) ** self.power

    @property
    def first_year_dropout(self) -> float:
        return 1 - self(365)


def _survival(as_of: date, dropout: float | None) -> Survival:
    kept = retention(instrument=LKS, cohort="year", as_of=as_of)["all"]
    survival = Survival([(p["day"], p["survival"]) for p in kept["curve"]], int(kept["ended"]))
    measured = survival.first_year_dropout
    if dropout is not None:
        if 0 < measured < 1:
            survival.power = math.log(1 - dropout) / math.log(1 - measured)
        else:
            survival.rate = -math.log(1 - dropout) / 365
    return survival


@dataclass
class Model:
    """Everything the projection needs, as counts and chances."""

    as_of: date
    pipeline: dict[tuple[int, int], int]
    hazards: list[Hazards]
    survival: Survival
    lks_share: float
    lag_weeks: float
    placements: int
    inflow_measured: float
    inflow: float
    conversion: float
    active: dict[int, int]
    inflow_leads: int = 0
    inflow_given: bool = False   # a what-if inflow is taken as it is, without the spread of a measured rate
    notes: list[str] = field(default_factory=list)

    def step(self, stage: int, age: int) -> tuple[float, float, float]:
        """This week's chances (moved on, placed, stays) for a lead `age` weeks into `stage`; the conversion
        factor multiplies the chance of placement."""
        moved, placed, lost = self.hazards[stage].at(age)
        placed = min(placed * self.conversion, max(1.0 - moved - lost, 0.0))
        return moved, placed, max(1.0 - moved - placed - lost, 0.0)

    def kept_to(self, start_week: float, horizon_days: int) -> float:
        """The chance that a job starting in the middle of coming week `start_week` is active on the horizon."""
        days = horizon_days - (start_week - 0.5) * 7
        return self.survival(days) if days >= 0 else 0.0

    def job_chances(self, weeks: int, value: list[float]) -> tuple[list[list[float]], list[float]]:
        """Backwards over the coming weeks: J[stage][age] = the chance that a lead now in that stage and week of
        it ends up placed with `value[t]` the worth of a placement in coming week t (for instance the chance
        that it is an LKS job still active on the horizon). Also J of a lead arriving new in each week t."""
        stages, ages = len(PIPELINE_STAGES), MAX_AGE_WEEKS + 1
        steps = [[self.step(stage, age) for age in range(ages)] for stage in range(stages)]
        later = [[0.0] * ages for _ in range(stages)]
        arriving = [0.0] * weeks
        for t in range(weeks - 1, -1, -1):
            now = [[0.0] * ages for _ in range(stages)]
            for stage in range(stages - 1, -1, -1):
                moved_on = now[stage + 1][0] if stage + 1 < stages else 0.0
                row, after = now[stage], later[stage]
                for age in range(ages):
                    moved, placed, stays = steps[stage][age]
                    row[age] = placed * value[t] + moved * moved_on + stays * after[min(age + 1, ages - 1)]
            arriving[t] = now[0][0]
            later = now
        return later, arriving

    def placed_by_week(self, stage: int, weeks: int) -> list[float]:
        """Forwards from reaching `stage`: the chance of being placed in each of the next `weeks` weeks."""
        stages, ages = len(PIPELINE_STAGES), MAX_AGE_WEEKS + 1
        mass = [[0.0] * ages for _ in range(stages)]
        mass[stage][0] = 1.0
        out = []
        for _ in range(weeks):
            following = [[0.0] * ages for _ in range(stages)]
            placed_now = 0.0
            for s in range(stage, stages):
                for age in range(ages):
                    here = mass[s][age]
                    if here == 0.0:
                        continue
                    moved, placed, stays = self.step(s, age)
                    placed_now += here * placed
                    if s + 1 < stages and moved:
                        mass[s + 1][0] += here * moved  # moving on takes no extra week
                    following[s][min(age + 1, ages - 1)] += here * stays
            out.append(placed_now)
            mass = following
        return out


def _model(data: ForecastInput) -> Model:
    cutoff = local_midnight_utc(data.as_of + timedelta(days=1))
    table = _life_table(cutoff)
    hazards = [_hazards(table.get(i, {})) for i in range(len(PIPELINE_STAGES))]
    share, lag, placements = _placements(data.as_of)
    inflow_leads = _inflow(cutoff)
    measured = inflow_leads / INFLOW_WEEKS
    pipeline = _pipeline(cutoff, open_now=data.as_of >= today())
    model = Model(data.as_of, pipeline, hazards, _survival(data.as_of, data.first_year_dropout),
                  share, lag, placements, measured,
                  measured if data.inflow_per_week is None else data.inflow_per_week,
                  data.conversion_factor, _active_jobs(data.as_of), inflow_leads,
                  inflow_given=data.inflow_per_week is not None)
    if placements == 0:
        model.notes.append("Er zijn in het jaar voor de peildatum geen plaatsingen: de pijplijn levert niets op.")
    if not model.survival.curve:
        model.notes.append("Er is nog geen LKS-baan gestart: het behoud is onbekend en op 100 % gezet.")
    return model


# --- the projection ------------------------------------------------------------------------------------

@dataclass
class Horizon:
    """The expected jobs on one date, per source, and the chance per pipeline bucket (for the simulation)."""

    day: date
    days: int
    active: list[tuple[int, int, float]]       # (weeks run, count, chance kept)
    pipeline: list[tuple[int, float]]          # (count, chance of an active job)
    inflow_jobs_per_lead_rate: float           # expected active jobs per unit of weekly inflow

    def expected(self, model: Model) -> dict[str, float]:
        parts = {"active": sum(n * p for _, n, p in self.active),
                 "pipeline": sum(n * q for n, q in self.pipeline),
                 "inflow": model.inflow * self.inflow_jobs_per_lead_rate}
        return {**parts, "total": sum(parts.values())}


def _horizon(model: Model, day: date) -> Horizon:
    days = (day - model.as_of).days
    weeks = max(math.ceil(days / 7), 0)
    active = []
    for run_weeks, n in sorted(model.active.items()):
        ran = run_weeks * 7 + 3.5
        now = model.survival(ran)
        active.append((run_weeks, n, model.survival(ran + days) / now if now > 0 else 0.0))
    value = [model.lks_share * model.kept_to(t + 1 + model.lag_weeks, days) for t in range(weeks)]
    chances, arriving = model.job_chances(weeks, value)
    pipeline = [(n, chances[stage][age]) for (stage, age), n in sorted(model.pipeline.items())]
    return Horizon(day, days, active, pipeline, sum(arriving))


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact for small n, normal or Poisson approximations for large n."""
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n <= 40:
        return sum(1 for _ in range(n) if rng.random() < p)
    mean, var = n * p, n * p * (1 - p)
    if var >= 9:
        return min(max(round(rng.gauss(mean, math.sqrt(var))), 0), n)
    if p <= 0.5:
        return min(_poisson(rng, mean), n)
    return n - min(_poisson(rng, n * (1 - p)), n)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(round(rng.gauss(mean, math.sqrt(mean))), 0)
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _binomial_sum(rng: random.Random, draws: list[tuple[int, float]]) -> int:
    """The sum of independent binomial draws (n, p): one normal draw when its spread is wide enough for the
    normal approximation (a large region), else each drawn on its own (a small one)."""
    mean = sum(n * p for n, p in draws)
    variance = sum(n * p * (1 - p) for n, p in draws)
    if variance >= 25:
        return max(round(rng.gauss(mean, math.sqrt(variance))), 0)
    return sum(_binomial(rng, n, p) for n, p in draws)


def _gamma_factor(rng: random.Random, observations: int) -> float:
    """A multiplier around 1 whose spread shrinks with the observations a rate rests on (Gamma(n, 1/n))."""
    return rng.gammavariate(observations, 1 / observations) if observations > 0 else 1.0


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _simulate(model: Model, horizons: list[Horizon], seed: int, runs: int) -> list[list[int]]:
    """`runs` simulated counts of active LKS jobs per horizon. Per run the conversion, the inflow rate and the
    retention vary with how many observations they rest on; then every count is drawn around its chance."""
    rng = random.Random(seed)
    events = model.hazards[-1].events  # placements come from the vacancy stage
    out: list[list[int]] = [[] for _ in horizons]
    for _ in range(runs):
        conversion = _gamma_factor(rng, events)
        inflow = model.inflow * (1.0 if model.inflow_given else _gamma_factor(rng, model.inflow_leads))
        keep = _gamma_factor(rng, model.survival.endings)   # scales the hazard of ending
        for index, horizon in enumerate(horizons):
            jobs = _binomial_sum(rng, [(n, p ** keep) for _, n, p in horizon.active])
            jobs += _binomial_sum(rng, [(n, min(q * conversion, 1.0)) for n, q in horizon.pipeline])
            jobs += _poisson(rng, inflow * conversion * horizon.inflow_jobs_per_lead_rate)
            out[index].append(jobs)
    return out


def _needed_per_week(model: Model, horizon: Horizon, gap: float) -> float | None:
    """Extra LKS starts per week, from now to the target date, that would close the gap (each kept as measured)."""
    weeks = max(math.ceil(horizon.days / 7), 0)
    kept = sum(model.kept_to(w + 1, horizon.days) for w in range(weeks))
    if gap <= 0:
        return 0.0
    return gap / kept if kept > 0 else None


def _target() -> tuple[int, date]:
    return int(float(reference.setting("lks_target_value"))), date.fromisoformat(
        str(reference.setting("lks_target_date")))


def _stage_rows(model: Model) -> list[dict[str, Any]]:
    """Per stage: the open leads now, how many of the recent cohort reached it and were placed from the
    vacancy stage, the chance of a placement within 13 and 26 weeks of reaching it, and the median weeks to a
    placement among those placed within a year."""
    rows = []
    for index, code in enumerate(PIPELINE_STAGES):
        weekly = model.placed_by_week(index, 52)
        total, cumulative, median = sum(weekly), 0.0, None
        for week, chance in enumerate(weekly):
            cumulative += chance
            if median is None and total > 0 and cumulative >= total / 2:
                median = week + 1
        rows.append({"stage": code, "label": STAGE_NAMES[code],
                     "open": sum(n for (stage, _), n in model.pipeline.items() if stage == index),
                     "reached": model.hazards[index].reached, "placed_13w": round(sum(weekly[:13]), 4),
                     "placed_26w": round(sum(weekly[:26]), 4), "median_weeks": median})
    return rows


def forecast(data: ForecastInput | None = None) -> dict[str, Any]:
    """Active LKS jobs projected to the target date and to `until`: expected value, 10th–90th percentile band,
    the gap to the target and the extra LKS starts per week that would close it."""
    target_value, target_day = _target()
    data = _checked(data or ForecastInput(), target_day)
    model = _model(data)
    days = sorted({d for d in (target_day, data.until) if d > data.as_of})
    horizons = [_horizon(model, day) for day in days]
    draws = _simulate(model, horizons, data.seed, data.runs)
    out = []
    for horizon, counts in zip(horizons, draws, strict=True):
        expected = horizon.expected(model)
        out.append({"date": horizon.day.isoformat(), "is_target": horizon.day == target_day,
                    "expected": round(expected["total"], 1),
                    "parts": {k: round(v, 1) for k, v in expected.items() if k != "total"},
                    "p10": _percentile(counts, 0.1), "p50": _percentile(counts, 0.5), "p90": _percentile(counts, 0.9)})
    at_target = next((h for h in out if h["is_target"]), None)
    gap = needed = None
    if at_target is not None:
        gap = round(target_value - at_target["expected"], 1)
        needed = _needed_per_week(model, horizons[days.index(target_day)], gap)
    return {
        "as_of": data.as_of.isoformat(), "until": data.until.isoformat(), "seed": data.seed, "runs": data.runs,
        "target": {"value": target_value, "date": target_day.isoformat()},
        "active_now": sum(model.active.values()),
        "horizons": out, "gap": gap, "needed_per_week": None if needed is None else round(needed, 1),
        "inputs": {
            "inflow_per_week": round(model.inflow, 1), "inflow_measured": round(model.inflow_measured, 1),
            "conversion_factor": model.conversion,
            "first_year_dropout": round(model.survival.first_year_dropout, 4),
            "first_year_dropout_measured": round(Survival(model.survival.curve, 0).first_year_dropout, 4),
            "lks_share": round(model.lks_share, 4), "start_lag_weeks": round(model.lag_weeks, 1),
            "placements": model.placements, "endings": model.survival.endings,
        },
        "stages": _stage_rows(model), "notes": model.notes,
    }


def backtest(as_of: date, horizon: date, *, seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS) -> dict[str, Any]:
    """The forecast as it would have been made on `as_of` for `horizon`, beside what the data now say."""
    result = forecast(ForecastInput(as_of=as_of, until=horizon, seed=seed, runs=runs))
    projected = next(h for h in result["horizons"] if h["date"] == horizon.isoformat())
    actual = active_on(horizon)
    return {"as_of": as_of.isoformat(), "horizon": horizon.isoformat(), "active_then": result["active_now"],
            "expected": projected["expected"], "p10": projected["p10"], "p90": projected["p90"], "actual": actual,
            "error": round(projected["expected"] - actual, 1),
            "inside_band": projected["p10"] <= actual <= projected["p90"]}
