//! Accumulators for Discover's aggregate functions, mergeable so that threads can each fold
//! their share of the events and combine the results.
//!
//! Each accumulator is fed one input [`Value`] per event: the function's argument as the
//! evaluator computed it (`transaction.duration` for `p95()`, the predicate's result as
//! [`Value::Bool`] for `count_if`, `transaction.status` for `failure_rate()`, `timestamp` for
//! `last_seen()`). Missing inputs ([`Value::Null`]) are ignored except by `count()`,
//! `apdex` and `failure_*`, whose denominators count every event, as ClickHouse's `count()` does.
//!
//! Percentiles are exact, by linear interpolation between the closest ranks (Hyndman & Fan
//! type 7: the `h = (n − 1)·p`-th order statistic, interpolated). That is what ClickHouse's
//! `quantile` — Sentry's percentile — computes whenever a group has at most 8192 values (its
//! reservoir then holds every value), so small local results agree with Sentry exactly; above
//! that Sentry samples and the two may differ slightly. The price is memory: a percentile
//! keeps every input number of its group (8 bytes each), and `count_unique` keeps every
//! distinct value; every other accumulator is constant-size.

use super::fields::Value;
use std::collections::HashSet;

/// An aggregate function the local engine can compute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AggregateFn {
    /// `count()`: every event.
    Count,
    /// `count_unique(col)`: distinct non-missing values.
    CountUnique,
    /// `count_if(col, cond, value)`: events whose predicate (the input) is true.
    CountIf,
    /// `avg(col)`.
    Avg,
    /// `sum(col)`.
    Sum,
    /// `min(col)`.
    Min,
    /// `max(col)`.
    Max,
    /// `p50()` … `p100()`, `percentile(col, p)` with `p` in `0..=1`.
    Percentile(f64),
    /// `failure_count()`: `transaction.status` not `ok`, `cancelled` or `unknown`.
    FailureCount,
    /// `failure_rate()`: failure_count / count.
    FailureRate,
    /// `apdex(t)`: (satisfied + tolerating / 2) / total, satisfied = duration ≤ t ms,
    /// tolerating = t < duration ≤ 4t.
    Apdex(f64),
    /// `last_seen()`: the latest timestamp.
    LastSeen,
    /// `any(col)`: the first non-missing value seen.
    Any,
    /// `epm()` / `tpm()`: events per minute of the query range.
    Epm,
    /// `eps()` / `tps()`: events per second of the query range.
    Eps,
}

/// Sentry's default apdex threshold when a project sets none (ms).
pub const DEFAULT_APDEX_THRESHOLD_MS: f64 = 300.0;

/// Span statuses that `failure_count()` and `failure_rate()` do not count as failures
/// (Sentry's `NON_FAILURE_STATUS`; `unknown_error` is the old name of `unknown`).
pub const NON_FAILURE_STATUSES: [&str; 4] = ["ok", "cancelled", "unknown", "unknown_error"];

impl AggregateFn {
    /// The function called `name` (case-insensitive), with its numeric argument where it takes
    /// one (`percentile`'s `p`, `apdex`'s threshold). `None` for functions not listed here.
    pub fn named(name: &str, numeric_arg: Option<f64>) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => AggregateFn::Count,
            "count_unique" => AggregateFn::CountUnique,
            "count_if" => AggregateFn::CountIf,
            "avg" => AggregateFn::Avg,
            "sum" => AggregateFn::Sum,
            "min" => AggregateFn::Min,
            "max" => AggregateFn::Max,
            "p50" => AggregateFn::Percentile(0.5),
            "p75" => AggregateFn::Percentile(0.75),
            "p90" => AggregateFn::Percentile(0.9),
            "p95" => AggregateFn::Percentile(0.95),
            "p99" => AggregateFn::Percentile(0.99),
            "p100" => AggregateFn::Percentile(1.0),
            "percentile" => AggregateFn::Percentile(numeric_arg?),
            "failure_count" => AggregateFn::FailureCount,
            "failure_rate" => AggregateFn::FailureRate,
            "apdex" => AggregateFn::Apdex(numeric_arg.unwrap_or(DEFAULT_APDEX_THRESHOLD_MS)),
            "last_seen" => AggregateFn::LastSeen,
            "any" => AggregateFn::Any,
            "epm" | "tpm" => AggregateFn::Epm,
            "eps" | "tps" => AggregateFn::Eps,
            _ => return None,
        })
    }

    /// The field the function reads when the query names none (`p95()` reads
    /// `transaction.duration`); `None` when it needs no input or takes an explicit column.
    pub fn implicit_input(self) -> Option<&'static str> {
        match self {
            AggregateFn::Percentile(_) | AggregateFn::Apdex(_) => Some("transaction.duration"),
            AggregateFn::FailureCount | AggregateFn::FailureRate => Some("transaction.status"),
            AggregateFn::LastSeen => Some("timestamp"),
            _ => None,
        }
    }
}

/// Inputs a result needs beyond the events: the query's time range, for `epm`/`eps`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FinishContext {
    /// The length of the query's time range in seconds.
    pub range_seconds: Option<f64>,
}

/// The running state of one aggregate over one group.
#[derive(Clone, Debug)]
pub struct Accumulator {
    state: State,
}

#[derive(Clone, Debug)]
enum State {
    Count(u64),
    CountUnique(HashSet<Value<'static>>),
    CountIf(u64),
    Avg {
        sum: f64,
        n: u64,
    },
    Sum {
        int: i128,
        float: f64,
        any_float: bool,
        n: u64,
    },
    Min(Option<Value<'static>>),
    Max(Option<Value<'static>>),
    Percentile {
        p: f64,
        values: Vec<f64>,
    },
    Failure {
        failures: u64,
        total: u64,
        rate: bool,
    },
    Apdex {
        threshold: f64,
        satisfied: u64,
        tolerating: u64,
        total: u64,
    },
    LastSeen(Option<i64>),
    Any(Option<Value<'static>>),
    Rate {
        count: u64,
        per_seconds: f64,
    },
}

fn is_number(value: &Value<'_>) -> Option<f64> {
    match value {
        Value::Int(_) | Value::Float(_) => value.as_f64(),
        _ => None,
    }
}

impl Accumulator {
    /// An empty accumulator for `function`.
    pub fn new(function: AggregateFn) -> Self {
        let state = match function {
            AggregateFn::Count => State::Count(0),
            AggregateFn::CountUnique => State::CountUnique(HashSet::new()),
            AggregateFn::CountIf => State::CountIf(0),
            AggregateFn::Avg => State::Avg { sum: 0.0, n: 0 },
            AggregateFn::Sum => State::Sum {
                int: 0,
                float: 0.0,
                any_float: false,
                n: 0,
            },
            AggregateFn::Min => State::Min(None),
            AggregateFn::Max => State::Max(None),
            AggregateFn::Percentile(p) => State::Percentile {
                p: p.clamp(0.0, 1.0),
                values: Vec::new(),
            },
            AggregateFn::FailureCount | AggregateFn::FailureRate => State::Failure {
                failures: 0,
                total: 0,
                rate: function == AggregateFn::FailureRate,
            },
            AggregateFn::Apdex(threshold) => State::Apdex {
                threshold,
                satisfied: 0,
                tolerating: 0,
                total: 0,
            },
            AggregateFn::LastSeen => State::LastSeen(None),
            AggregateFn::Any => State::Any(None),
            AggregateFn::Epm => State::Rate {
                count: 0,
                per_seconds: 60.0,
            },
            AggregateFn::Eps => State::Rate {
                count: 0,
                per_seconds: 1.0,
            },
        };
        Accumulator { state }
    }

    /// Folds in one event's input.
    pub fn update(&mut self, input: &Value<'_>) {
        match &mut self.state {
            State::Count(n) | State::Rate { count: n, .. } => *n += 1,
            State::CountUnique(seen) => {
                if !input.is_null() && !seen.contains(input) {
                    seen.insert(input.clone().into_owned());
                }
            }
            State::CountIf(n) => *n += u64::from(matches!(input, Value::Bool(true))),
            State::Avg { sum, n } => {
                if let Some(x) = is_number(input) {
                    *sum += x;
                    *n += 1;
                }
            }
            State::Sum {
                int,
                float,
                any_float,
                n,
            } => match input {
                Value::Int(i) => {
                    *int += i128::from(*i);
                    *n += 1;
                }
                Value::Float(f) => {
                    *float += f;
                    *any_float = true;
                    *n += 1;
                }
                _ => {}
            },
            State::Min(best) => keep_extreme(best, input, std::cmp::Ordering::Less),
            State::Max(best) => keep_extreme(best, input, std::cmp::Ordering::Greater),
            State::Percentile { values, .. } => values.extend(is_number(input)),
            State::Failure {
                failures, total, ..
            } => {
                *total += 1;
                if let Value::Str(status) = input
                    && !status.is_empty()
                    && !NON_FAILURE_STATUSES.contains(&status.as_ref())
                {
                    *failures += 1;
                }
            }
            State::Apdex {
                threshold,
                satisfied,
                tolerating,
                total,
            } => {
                *total += 1;
                if let Some(duration) = is_number(input) {
                    if duration <= *threshold {
                        *satisfied += 1;
                    } else if duration <= 4.0 * *threshold {
                        *tolerating += 1;
                    }
                }
            }
            State::LastSeen(latest) => {
                if let Value::Timestamp(t) = input {
                    *latest = Some(latest.map_or(*t, |l| l.max(*t)));
                }
            }
            State::Any(first) => {
                if first.is_none() && !input.is_null() {
                    *first = Some(input.clone().into_owned());
                }
            }
        }
    }

    /// Adds `other`'s events to these, as if this accumulator had seen them after its own.
    /// Both must have been created for the same function; otherwise `self` is left unchanged.
    pub fn merge(&mut self, other: Accumulator) {
        match (&mut self.state, other.state) {
            (State::Count(a), State::Count(b)) | (State::CountIf(a), State::CountIf(b)) => *a += b,
            (State::Rate { count: a, .. }, State::Rate { count: b, .. }) => *a += b,
            (State::CountUnique(a), State::CountUnique(b)) => a.extend(b),
            (State::Avg { sum, n }, State::Avg { sum: s2, n: n2 }) => {
                *sum += s2;
                *n += n2;
            }
            (
                State::Sum {
                    int,
                    float,
                    any_float,
                    n,
                },
                State::Sum {
                    int: i2,
                    float: f2,
                    any_float: a2,
                    n: n2,
                },
            ) => {
                *int += i2;
                *float += f2;
                *any_float |= a2;
                *n += n2;
            }
            (State::Min(a), State::Min(Some(b))) => {
                keep_extreme(a, &b, std::cmp::Ordering::Less);
            }
            (State::Max(a), State::Max(Some(b))) => {
                keep_extreme(a, &b, std::cmp::Ordering::Greater);
            }
            (State::Percentile { values, .. }, State::Percentile { values: v2, .. }) => {
                values.extend(v2);
            }
            (
                State::Failure {
                    failures, total, ..
                },
                State::Failure {
                    failures: f2,
                    total: t2,
                    ..
                },
            ) => {
                *failures += f2;
                *total += t2;
            }
            (
                State::Apdex {
                    satisfied,
                    tolerating,
                    total,
                    ..
                },
                State::Apdex {
                    satisfied: s2,
                    tolerating: t2,
                    total: n2,
                    ..
                },
            ) => {
                *satisfied += s2;
                *tolerating += t2;
                *total += n2;
            }
            (State::LastSeen(a), State::LastSeen(Some(b))) => {
                *a = Some(a.map_or(b, |x| x.max(b)));
            }
            (State::Any(a), State::Any(b)) if a.is_none() => *a = b,
            _ => {}
        }
    }

    /// The result. Functions over no usable input give [`Value::Null`] (as ClickHouse does for
    /// all-NULL input), except the counts, which give 0.
    pub fn finish(&mut self, context: &FinishContext) -> Value<'static> {
        match &mut self.state {
            State::Count(n) | State::CountIf(n) => count_value(*n),
            State::CountUnique(seen) => count_value(seen.len() as u64),
            State::Avg { sum, n } => ratio(*sum, *n),
            State::Sum {
                int,
                float,
                any_float,
                n,
            } => {
                if *n == 0 {
                    Value::Null
                } else if *any_float {
                    Value::Float(tidy(*float + *int as f64))
                } else {
                    i64::try_from(*int).map_or(Value::Float(*int as f64), Value::Int)
                }
            }
            State::Min(v) | State::Max(v) | State::Any(v) => v.clone().unwrap_or(Value::Null),
            State::Percentile { p, values } => {
                percentile(values, *p).map_or(Value::Null, |v| Value::Float(tidy(v)))
            }
            State::Failure {
                failures,
                total,
                rate,
            } => {
                if *rate {
                    ratio(*failures as f64, *total)
                } else {
                    count_value(*failures)
                }
            }
            State::Apdex {
                satisfied,
                tolerating,
                total,
                ..
            } => ratio(*satisfied as f64 + *tolerating as f64 / 2.0, *total),
            State::LastSeen(t) => t.map_or(Value::Null, Value::Timestamp),
            State::Rate { count, per_seconds } => match context.range_seconds {
                Some(range) if range > 0.0 => {
                    Value::Float(tidy(*count as f64 / (range / *per_seconds)))
                }
                _ => Value::Null,
            },
        }
    }
}

fn count_value(n: u64) -> Value<'static> {
    i64::try_from(n).map_or(Value::Float(n as f64), Value::Int)
}

fn ratio(numerator: f64, n: u64) -> Value<'static> {
    if n == 0 {
        Value::Null
    } else {
        Value::Float(tidy(numerator / n as f64))
    }
}

/// `value` rounded to 15 significant digits, the precision an f64 holds for any decimal.
/// Sums, averages and interpolated percentiles collect binary rounding error
/// (`1945.6` summed as `1945.5999999999988`); rounding it away makes the printed value the
/// shortest that means the same decimal, as the inputs were written.
///
/// A whole number is left alone: it carries no fractional noise, and past 10^15 rounding to 15
/// digits would change digits an f64 holds exactly (1234567890123456).
pub(crate) fn tidy(value: f64) -> f64 {
    if value.fract() == 0.0 || !value.is_finite() {
        return value;
    }
    // `{:e}` with 14 fractional digits is 15 significant ones; reading it back is exact.
    match format!("{value:.14e}").parse::<f64>() {
        Ok(tidied) if tidied.is_finite() => tidied,
        _ => value,
    }
}

/// Keeps in `best` whichever of it and `input` is further in direction `want`; missing and
/// array inputs are ignored.
fn keep_extreme(best: &mut Option<Value<'static>>, input: &Value<'_>, want: std::cmp::Ordering) {
    if matches!(input, Value::Null | Value::Array(_)) {
        return;
    }
    let replace = best.as_ref().is_none_or(|b| input.cmp(b) == want);
    if replace {
        *best = Some(input.clone().into_owned());
    }
}

/// The `p`-quantile of `values` by linear interpolation between closest ranks (type 7).
/// Reorders `values`.
fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p;
    let lo = (h.floor() as usize).min(n - 1);
    let (_, &mut lower, upper_part) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let fraction = h - lo as f64;
    let upper = upper_part.iter().copied().min_by(f64::total_cmp);
    Some(match upper {
        Some(upper) if fraction > 0.0 => lower + fraction * (upper - lower),
        _ => lower,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn run(function: AggregateFn, inputs: &[Value<'static>]) -> Value<'static> {
        let mut acc = Accumulator::new(function);
        for input in inputs {
            acc.update(input);
        }
        acc.finish(&FinishContext::default())
    }

    /// Splits `inputs` in two at every point, merges, and checks the result never changes.
    fn run_split(
        function: AggregateFn,
        inputs: &[Value<'static>],
        context: &FinishContext,
    ) -> Value<'static> {
        let mut whole = Accumulator::new(function);
        inputs.iter().for_each(|v| whole.update(v));
        let expected = whole.finish(context);
        for at in 0..=inputs.len() {
            let (a, b) = inputs.split_at(at);
            let mut left = Accumulator::new(function);
            a.iter().for_each(|v| left.update(v));
            let mut right = Accumulator::new(function);
            b.iter().for_each(|v| right.update(v));
            left.merge(right);
            assert_eq!(left.finish(context), expected, "{function:?} split at {at}");
        }
        expected
    }

    fn ints(xs: &[i64]) -> Vec<Value<'static>> {
        xs.iter().map(|&x| Value::Int(x)).collect()
    }

    fn s(text: &str) -> Value<'static> {
        Value::Str(Cow::Owned(text.to_owned()))
    }

    #[test]
    fn counts() {
        let inputs = vec![s("a"), Value::Null, s("b"), s("a")];
        assert_eq!(
            run_split(AggregateFn::Count, &inputs, &FinishContext::default()),
            Value::Int(4)
        );
        assert_eq!(
            run_split(AggregateFn::CountUnique, &inputs, &FinishContext::default()),
            Value::Int(2)
        );
        let preds = vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Null,
            Value::Bool(true),
        ];
        assert_eq!(
            run_split(AggregateFn::CountIf, &preds, &FinishContext::default()),
            Value::Int(2)
        );
    }

    #[test]
    fn avg_sum_min_max_ignore_missing_values() {
        let mut inputs = ints(&[10, 20, 60]);
        inputs.push(Value::Null);
        let ctx = FinishContext::default();
        assert_eq!(
            run_split(AggregateFn::Avg, &inputs, &ctx),
            Value::Float(30.0)
        );
        assert_eq!(run_split(AggregateFn::Sum, &inputs, &ctx), Value::Int(90));
        assert_eq!(run_split(AggregateFn::Min, &inputs, &ctx), Value::Int(10));
        assert_eq!(run_split(AggregateFn::Max, &inputs, &ctx), Value::Int(60));
        assert_eq!(
            run(AggregateFn::Sum, &[Value::Int(1), Value::Float(0.5)]),
            Value::Float(1.5)
        );
        assert_eq!(run(AggregateFn::Avg, &[Value::Null]), Value::Null);
        assert_eq!(run(AggregateFn::Sum, &[]), Value::Null);
        assert_eq!(
            run(
                AggregateFn::Min,
                &[Value::Timestamp(5), Value::Timestamp(3)]
            ),
            Value::Timestamp(3)
        );
    }

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        // Sorted 1, 2, 3, 4, 10: h = 4p. p50 → rank 2 → 3; p75 → h = 3 → 4;
        // p90 → h = 3.6 → 4 + 0.6·6 = 7.6; p95 → h = 3.8 → 4 + 0.8·6 = 8.8; p100 → 10.
        let inputs = ints(&[10, 3, 1, 4, 2]);
        let ctx = FinishContext::default();
        let p = |q| run_split(AggregateFn::Percentile(q), &inputs, &ctx);
        assert_eq!(p(0.5), Value::Float(3.0));
        assert_eq!(p(0.75), Value::Float(4.0));
        let Value::Float(p90) = p(0.9) else { panic!() };
        assert!((p90 - 7.6).abs() < 1e-9);
        let Value::Float(p95) = p(0.95) else { panic!() };
        assert!((p95 - 8.8).abs() < 1e-9);
        assert_eq!(p(1.0), Value::Float(10.0));
        assert_eq!(p(0.0), Value::Float(1.0));
        // Two values: p25 = 100 + 0.25·100.
        assert_eq!(
            run(AggregateFn::Percentile(0.25), &ints(&[200, 100])),
            Value::Float(125.0)
        );
        assert_eq!(run(AggregateFn::Percentile(0.5), &[]), Value::Null);
        assert_eq!(
            AggregateFn::named("P95", None),
            Some(AggregateFn::Percentile(0.95))
        );
        assert_eq!(AggregateFn::named("percentile", None), None);
    }

    #[test]
    fn sums_averages_and_percentiles_carry_no_binary_noise() {
        let ctx = FinishContext::default();
        let p = |q| run_split(AggregateFn::Percentile(q), &ints(&[10, 3, 1, 4, 2]), &ctx);
        // Interpolation gives 7.6000000000000005 and 8.799999999999999 in plain f64.
        assert_eq!(p(0.9), Value::Float(7.6));
        assert_eq!(p(0.95), Value::Float(8.8));
        assert_eq!(tidy(0.1 + 0.2), 0.3);
        assert_eq!(tidy(1945.5999999999988), 1945.6);
        assert_eq!(tidy(-2.5e-12), -2.5e-12);
        assert_eq!(tidy(f64::MAX), f64::MAX);
        assert_eq!(tidy(123_456_789_012_345.0), 123_456_789_012_345.0);
        assert_eq!(tidy(1_234_567_890_123_456.0), 1_234_567_890_123_456.0);
        assert_eq!(tidy(0.1 * 3.0), 0.3);
    }

    #[test]
    fn failure_count_and_rate_follow_sentry_statuses() {
        let statuses = vec![
            s("ok"),
            s("internal_error"),
            s("cancelled"),
            s("unknown"),
            s("deadline_exceeded"),
            Value::Null,
            s("not_found"),
            s("ok"),
        ];
        let ctx = FinishContext::default();
        assert_eq!(
            run_split(AggregateFn::FailureCount, &statuses, &ctx),
            Value::Int(3)
        );
        assert_eq!(
            run_split(AggregateFn::FailureRate, &statuses, &ctx),
            Value::Float(3.0 / 8.0)
        );
    }

    #[test]
    fn apdex_counts_satisfied_and_half_of_tolerating() {
        // t = 100: satisfied 50, 100; tolerating 101, 400; frustrated 401; missing counts in total.
        let mut inputs = ints(&[50, 100, 101, 400, 401]);
        inputs.push(Value::Null);
        let ctx = FinishContext::default();
        assert_eq!(
            run_split(AggregateFn::Apdex(100.0), &inputs, &ctx),
            Value::Float(3.0 / 6.0)
        );
        assert_eq!(
            AggregateFn::named("apdex", None),
            Some(AggregateFn::Apdex(300.0))
        );
    }

    #[test]
    fn last_seen_any_and_rates() {
        let ctx = FinishContext {
            range_seconds: Some(120.0),
        };
        let times = vec![
            Value::Timestamp(3_000),
            Value::Null,
            Value::Timestamp(9_000),
            Value::Timestamp(1_000),
        ];
        assert_eq!(
            run_split(AggregateFn::LastSeen, &times, &ctx),
            Value::Timestamp(9_000)
        );
        assert_eq!(
            run_split(AggregateFn::Any, &[Value::Null, s("x"), s("y")], &ctx),
            s("x")
        );
        // 6 events over 2 minutes: 3 per minute, 0.05 per second.
        let six = ints(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(run_split(AggregateFn::Epm, &six, &ctx), Value::Float(3.0));
        assert_eq!(run_split(AggregateFn::Eps, &six, &ctx), Value::Float(0.05));
        assert_eq!(run(AggregateFn::Epm, &six), Value::Null);
    }

    #[test]
    fn merging_different_functions_changes_nothing() {
        let mut count = Accumulator::new(AggregateFn::Count);
        count.update(&Value::Null);
        let mut other = Accumulator::new(AggregateFn::Sum);
        other.update(&Value::Int(5));
        count.merge(other);
        assert_eq!(count.finish(&FinishContext::default()), Value::Int(1));
    }
}
