//! Function calls: the name against the catalog, DISTINCT and `*` forms, arity, argument
//! kinds, nesting, the dataset, defaults and the result type.

use super::catalog::{ArgKind as SpecKind, ArgSpec, FunctionInfo};
use super::checked::{FieldRef, FunctionArg, FunctionArgKind, FunctionCall};
use super::context::Cx;
use super::names::{self, column_type};
use super::params;
use super::suggest;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{Arg, ArgKind, Call};

/// Checks a call; `None` after an error.
pub(crate) fn check_call(cx: &mut Cx<'_>, call: &Call) -> Option<FunctionCall> {
    let before = cx.error_count();
    let written = call.name.node.as_str();
    let catalog = cx.catalog;
    let Some(info) = catalog.function_in(&cx.dataset, written) else {
        if !cx.checked {
            return unchecked_call(cx, call);
        }
        let others = catalog.datasets_having_function(written);
        if catalog.is_trace_items(&cx.dataset) && !others.is_empty() {
            let name = format!("{}()", written.to_ascii_lowercase());
            names::not_in_dataset(cx, "function", &name, call.name.span, &others);
            check_nested(cx, call);
            return None;
        }
        let names = catalog.function_names_in(&cx.dataset);
        let near = suggest::suggest(written, names.iter().copied());
        let help = match near {
            Some(near) => format!("did you mean `{near}()`?"),
            None => String::from("see the functions in the README's function list"),
        };
        let pending = cx
            .error(
                SemanticCode::UnknownFunction,
                call.name.span,
                format!("unknown function `{written}`"),
            )
            .label("not a function dql knows")
            .help(help);
        // The fix replaces the name only: the arguments stay as written.
        match near {
            Some(near) => drop(pending.fix(call.name.span, near)),
            None => drop(pending),
        }
        check_nested(cx, call);
        return None;
    };
    distinct(cx, call, info);
    if cx.checked && !info.in_dataset(&cx.dataset) {
        let others: Vec<&str> = info.datasets.iter().map(String::as_str).collect();
        names::not_in_dataset(
            cx,
            "function",
            &format!("{}()", info.name),
            call.name.span,
            &others,
        );
    }
    // `count(*)` is `count()`.
    let star_only = matches!(
        call.args.as_slice(),
        [Arg {
            kind: ArgKind::Star,
            ..
        }]
    );
    let args: &[Arg] = if star_only && info.name == "count" {
        cx.warning(
            SemanticCode::CountStar,
            call.span,
            "`count(*)` is written `count()`",
        )
        .label("`*` is not needed")
        .help("write `count()`; `dql fmt` rewrites it")
        .fix(call.span, "count()");
        &[]
    } else {
        &call.args
    };
    if args.len() < info.min_args() || args.len() > info.max_args() {
        cx.error(
            SemanticCode::WrongArity,
            call.span,
            format!(
                "`{}` takes {}, but {} {} given",
                info.name,
                arity_text(info),
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ),
        )
        .label("wrong number of arguments")
        .help(format!("call it as `{}`", signature(info)));
        check_nested(cx, call);
        return None;
    }
    let mut checked = Vec::new();
    for (arg, spec) in args.iter().zip(&info.args) {
        if let Some(a) = check_arg(cx, info, spec, arg, &checked) {
            checked.push(a);
        }
    }
    if cx.error_count() > before {
        return None;
    }
    metric_named(cx, info, call, args.len());
    let mut effective = checked.clone();
    for spec in info.args.iter().skip(checked.len()) {
        let Some(default) = &spec.default else { break };
        effective.push(default_arg(cx, spec, default));
    }
    let texts: Vec<&str> = effective.iter().map(|a| a.text.as_str()).collect();
    let ty = catalog.function_result_type(&cx.dataset, &info.name, &texts);
    Some(FunctionCall {
        name: call.name.node.to_ascii_lowercase(),
        args: checked,
        effective_args: effective,
        aggregate: info.aggregate,
        ty,
    })
}

/// A tracemetrics aggregate names its metric: `fn(value,NAME,TYPE,UNIT)`. Without, Sentry's
/// events endpoint mixes every metric's values (the arguments default to "",
/// trace_metrics/aggregates.py) and its validator refuses it in alerts and widgets
/// ("must specify metric name, type, and unit", trace_metrics/validator.py).
fn metric_named(cx: &mut Cx<'_>, info: &FunctionInfo, call: &Call, given: usize) {
    let Some(unit_at) = info.args.iter().position(|a| a.name == "metric.unit") else {
        return;
    };
    if given > unit_at {
        return;
    }
    let column = match call.args.first().map(|a| &a.kind) {
        Some(ArgKind::Word(word)) => word.as_str(),
        _ => "value",
    };
    cx.warning(
        SemanticCode::MetricUnnamed,
        call.span,
        format!("`{}` does not name its metric", info.name),
    )
    .label("name, type and unit missing")
    .help(format!(
        "write `{}({column},METRIC_NAME,counter|gauge|distribution,UNIT)`, `-` for no unit; without them the values of every metric are mixed",
        info.name
    ));
}

/// A call in a dataset without a catalog: any name, arguments as written, an aggregate.
fn unchecked_call(cx: &mut Cx<'_>, call: &Call) -> Option<FunctionCall> {
    let mut args = Vec::new();
    for arg in &call.args {
        let (text, kind) = match &arg.kind {
            ArgKind::Word(word) => (word.clone(), FunctionArgKind::Text(word.clone())),
            ArgKind::Quoted(text) => (quote_arg(text), FunctionArgKind::Text(text.clone())),
            ArgKind::Key(key) => {
                let field = names::resolve_column(cx, key)?;
                (field.name.clone(), FunctionArgKind::Field(field))
            }
            ArgKind::Param(name) => {
                let value = params::bound(cx, name, arg.span)?;
                (quote_arg(&value), FunctionArgKind::Text(value))
            }
            ArgKind::Call(_) | ArgKind::Star => {
                check_nested(cx, call);
                return None;
            }
        };
        args.push(FunctionArg { text, kind });
    }
    let aggregate = cx
        .catalog
        .function(&call.name.node)
        .is_none_or(|f| f.aggregate);
    Some(FunctionCall {
        name: call.name.node.to_ascii_lowercase(),
        effective_args: args.clone(),
        args,
        aggregate,
        ty: None,
    })
}

/// DISTINCT inside the parentheses: `count(DISTINCT x)` → `count_unique(x)`.
fn distinct(cx: &mut Cx<'_>, call: &Call, info: &FunctionInfo) {
    let Some(span) = call.distinct else { return };
    let first = call.args.first();
    match (info.name.as_str(), first) {
        ("count", Some(arg)) if call.args.len() == 1 => {
            let replacement = format!("count_unique({})", arg_source(arg));
            cx.error(
                SemanticCode::DistinctInCall,
                call.span,
                "`count(DISTINCT x)` is written `count_unique(x)`",
            )
            .label("DISTINCT inside a call")
            .help(format!("write `{replacement}`"))
            .fix(call.span, replacement);
        }
        ("count_unique", Some(arg)) => {
            cx.warning(
                SemanticCode::DistinctInCall,
                span,
                "`count_unique` already counts distinct values",
            )
            .label("not needed")
            .help("remove DISTINCT")
            .fix(
                Span {
                    start: span.start,
                    end: arg.span.start,
                },
                "",
            );
        }
        _ => {
            cx.error(
                SemanticCode::DistinctInCall,
                span,
                format!("`{}` does not take DISTINCT", info.name),
            )
            .label("DISTINCT inside a call")
            .help("remove DISTINCT; `count_unique(x)` counts distinct values");
        }
    }
}

/// The source-like text of an argument, for fix-its.
fn arg_source(arg: &Arg) -> String {
    match &arg.kind {
        ArgKind::Word(word) => word.clone(),
        ArgKind::Quoted(text) => quote_arg(text),
        ArgKind::Key(key) => names::key_name(key),
        ArgKind::Param(name) => format!("${name}"),
        ArgKind::Call(call) => format!("{}(…)", call.name.node),
        ArgKind::Star => String::from("*"),
    }
}

/// Reports nested calls inside `call` (aggregates nested, or calls where none is allowed).
fn check_nested(cx: &mut Cx<'_>, call: &Call) {
    for arg in &call.args {
        if let ArgKind::Call(inner) = &arg.kind {
            nested_error(cx, call, inner);
        }
    }
}

fn nested_error(cx: &mut Cx<'_>, outer: &Call, inner: &Call) {
    let aggregate = cx
        .catalog
        .function(&inner.name.node)
        .is_none_or(|f| f.aggregate);
    if aggregate {
        cx.error(
            SemanticCode::NestedAggregate,
            inner.span,
            format!("`{}` cannot be used inside `{}`", inner.name.node, outer.name.node),
        )
        .label("an aggregate inside a function")
        .help("aggregates do not nest; combine them with arithmetic instead (`count() / count_unique(user)`)");
    } else {
        cx.error(
            SemanticCode::BadArgument,
            inner.span,
            format!(
                "`{}` takes a column here, not a function call",
                outer.name.node
            ),
        )
        .label("a call as an argument")
        .help("pass a field or tag name");
    }
}

fn check_arg(
    cx: &mut Cx<'_>,
    info: &FunctionInfo,
    spec: &ArgSpec,
    arg: &Arg,
    before: &[FunctionArg],
) -> Option<FunctionArg> {
    let fname = info.name.as_str();
    // An empty argument (`f(a,,b)`) is the parser's error already.
    if matches!(&arg.kind, ArgKind::Word(w) if w.is_empty()) {
        return None;
    }
    if let ArgKind::Call(inner) = &arg.kind {
        let outer = Call {
            name: crate::span::Spanned::new(fname.to_string(), arg.span),
            distinct: None,
            args: Vec::new(),
            span: arg.span,
        };
        nested_error(cx, &outer, inner);
        return None;
    }
    if let ArgKind::Star = arg.kind {
        cx.error(
            SemanticCode::BadArgument,
            arg.span,
            format!("`{fname}` does not take `*`"),
        )
        .label("`*` as an argument")
        .help(format!("call it as `{}`", signature(info)));
        return None;
    }
    if spec.kind.is_column() {
        let field = match &arg.kind {
            ArgKind::Word(name) | ArgKind::Quoted(name) => names::resolve_name(cx, name, arg.span)?,
            ArgKind::Key(key) => names::resolve_column(cx, key)?,
            ArgKind::Param(name) => {
                param_as_name(cx, name, arg.span, "a column");
                return None;
            }
            ArgKind::Call(_) | ArgKind::Star => return None,
        };
        return check_column_arg(cx, info, spec, arg.span, field);
    }
    let (text, written_param) = match &arg.kind {
        ArgKind::Word(word) => (word.clone(), false),
        ArgKind::Quoted(text) => (text.clone(), false),
        ArgKind::Param(name) => (params::bound(cx, name, arg.span)?, true),
        ArgKind::Key(key) => (names::key_name(key), false),
        ArgKind::Call(_) | ArgKind::Star => return None,
    };
    let code = if written_param {
        SemanticCode::BadParamValue
    } else {
        SemanticCode::BadArgument
    };
    match &spec.kind {
        SpecKind::Number { min, max, below } => {
            let number = text.parse::<f64>().ok().filter(|n| n.is_finite());
            let in_range = number.is_some_and(|n| {
                min.is_none_or(|m| n >= m)
                    && max.is_none_or(|m| n <= m)
                    && below.is_none_or(|b| n < b)
            });
            if !in_range {
                cx.error(
                    code,
                    arg.span,
                    format!("`{text}` is not a valid {} for `{fname}`", spec.name),
                )
                .label(format!("expected {}", range_text(*min, *max, *below)))
                .help(format!("call it as `{}`", signature(info)));
                return None;
            }
            Some(FunctionArg {
                text: text.clone(),
                kind: FunctionArgKind::Number(number.unwrap_or_default()),
            })
        }
        SpecKind::Word { values } => {
            // An array column takes only `equals`/`notEquals` (`fields.py`
            // `normalize_count_if_condition`; discover.py `_resolve_count_if` uses `has`).
            if fname == "count_if"
                && discover_functions(cx)
                && let Some(FunctionArgKind::Field(column)) = before.first().map(|a| &a.kind)
                && column.array
                && !matches!(text.as_str(), "equals" | "notEquals")
            {
                cx.error(
                    code,
                    arg.span,
                    format!("`{}` is a list, so `count_if` compares it only with `equals` or `notEquals`", column.name),
                )
                .label("not equals/notEquals")
                .help("write `equals` (some element is the value) or `notEquals` (none is)");
                return None;
            }
            if !values.contains(&text) {
                let list: Vec<&str> = values.iter().map(String::as_str).collect();
                cx.error(
                    code,
                    arg.span,
                    format!("`{text}` is not a valid {} for `{fname}`", spec.name),
                )
                .label(format!("not a {}", spec.name))
                .help_closest(&text, list);
                return None;
            }
            Some(FunctionArg {
                text: text.clone(),
                kind: FunctionArgKind::Word(text),
            })
        }
        SpecKind::String => {
            if text.contains(['\t', '\n']) {
                cx.error(
                    code,
                    arg.span,
                    "a function argument cannot hold a tab or a line break",
                )
                .label("tab or line break")
                .help("remove it; Sentry's aggregate syntax cannot express it");
                return None;
            }
            if fname == "count_if"
                && let Some(FunctionArgKind::Field(column)) = before.first().map(|a| &a.kind)
                && let Some(problem) = count_if_value_problem(cx, column, &text)
            {
                let pending = cx
                    .error(code, arg.span, problem.0)
                    .label(problem.1)
                    .help(problem.2);
                // A did-you-mean (a status name) is written the way the value was.
                let replacement = match (&arg.kind, problem.3) {
                    (ArgKind::Word(_), Some(near)) => Some(near),
                    // Status names hold no quote to escape.
                    (ArgKind::Quoted(_), Some(near)) => Some(format!("\"{near}\"")),
                    _ => None,
                };
                match replacement {
                    Some(r) => drop(pending.fix(arg.span, r)),
                    None => drop(pending),
                }
                return None;
            }
            if fname == "count_if"
                && let Some(FunctionArgKind::Field(column)) = before.first().map(|a| &a.kind)
                && matches!(column.ty, Some(super::field_type::FieldType::Duration(_)))
                && !is_number_or_duration(&text)
            {
                cx.error(
                    code,
                    arg.span,
                    format!(
                        "`{text}` is not a valid value to compare with `{}`",
                        column.name
                    ),
                )
                .label("expected a number or a duration")
                .help("write a number of milliseconds or a duration such as `300ms` or `1.5s`");
                return None;
            }
            // `to_other`'s value is a `SnQLStringArg(unquote=True)` without `optional_unquote`:
            // Sentry refuses it unquoted (`src/sentry/search/events/datasets/discover.py`).
            let sent = if fname == "to_other" && spec.name == "value" {
                format!("\"{}\"", text.replace('"', "\\\""))
            } else {
                quote_arg(&text)
            };
            Some(FunctionArg {
                text: sent,
                kind: FunctionArgKind::Text(text),
            })
        }
        _ => None,
    }
}

/// The datasets whose functions are Sentry's discover functions
/// (`src/sentry/search/events/datasets/discover.py`).
fn discover_functions(cx: &Cx<'_>) -> bool {
    matches!(cx.dataset.as_str(), "errors" | "transactions" | "discover")
}

/// Whether Sentry's `NumericColumn` takes `name` (`src/sentry/search/events/fields.py`
/// `NumericColumn._normalize`): a measurement, a span-op breakdown, or a column whose Snuba
/// column is `duration`, `time` or `timestamp` (`transaction.duration`, `time`, `timestamp`).
/// `tags[x,number]` is left to the typed-attribute rule.
fn sentry_numeric_column(name: &str) -> bool {
    name.starts_with("measurements.")
        || name.starts_with("spans.")
        || matches!(name, "transaction.duration" | "time" | "timestamp")
        || (name.starts_with("tags[") && name.ends_with(",number]"))
}

/// Field aliases `count_if` refuses (`fields.py` `FIELD_ALIASES`, refused by
/// `normalize_count_if_value`); the measurement aliases among them are measurements there.
const COUNT_IF_ALIASES: &[&str] = &[
    "project",
    "issue",
    "timestamp.to_hour",
    "timestamp.to_day",
    "error.unhandled",
    "user.display",
    "team_key_transaction",
];

/// Span status names Sentry maps to codes (`sentry_relay.consts.SPAN_STATUS_NAME_TO_CODE`),
/// the only values `count_if(transaction.status, …)` takes.
const SPAN_STATUS_NAMES: &[&str] = &[
    "ok",
    "cancelled",
    "unknown",
    "unknown_error",
    "invalid_argument",
    "deadline_exceeded",
    "not_found",
    "already_exists",
    "permission_denied",
    "resource_exhausted",
    "failed_precondition",
    "aborted",
    "out_of_range",
    "unimplemented",
    "internal_error",
    "unavailable",
    "data_loss",
    "unauthenticated",
];

/// What is wrong with `count_if(column, …, value)`'s value as `normalize_count_if_value`
/// (`fields.py`) checks it: a duration-like column (`transaction.duration`, measurements,
/// breakdowns) takes a number or a duration matching `DURATION_PATTERN` with a unit
/// `parse_duration` knows; `transaction.status` a status name. `(message, label, help, the
/// near value if there is one)`.
fn count_if_value_problem(
    cx: &Cx<'_>,
    column: &FieldRef,
    value: &str,
) -> Option<(String, String, String, Option<String>)> {
    if !discover_functions(cx) {
        return None;
    }
    let name = column.name.as_str();
    if name == "transaction.duration"
        || name.starts_with("measurements.")
        || name.starts_with("spans.")
    {
        return (!is_number_or_duration(value)).then(|| {
            (
                format!("`{value}` is not a valid value to compare with `{name}`"),
                "expected a number or a duration".to_owned(),
                "write a number or a duration such as `300ms` or `1.5s` (one decimal at most)"
                    .to_owned(),
                None,
            )
        });
    }
    if name == "transaction.status" && !SPAN_STATUS_NAMES.contains(&value) {
        return Some((
            format!("`{value}` is not a transaction status"),
            "not a status name".to_owned(),
            suggest::closest_list(value, SPAN_STATUS_NAMES.to_vec()),
            suggest::suggest(value, SPAN_STATUS_NAMES.to_vec()).map(str::to_owned),
        ));
    }
    None
}

fn check_column_arg(
    cx: &mut Cx<'_>,
    info: &FunctionInfo,
    spec: &ArgSpec,
    span: Span,
    field: FieldRef,
) -> Option<FunctionArg> {
    let fname = info.name.as_str();
    if !spec.kind.allows_name(&field.name) {
        let allowed = match &spec.kind {
            SpecKind::Column { allowed }
            | SpecKind::NumericColumn { allowed }
            | SpecKind::NumericOrDateColumn { allowed } => allowed.clone(),
            _ => Vec::new(),
        };
        let list: Vec<&str> = allowed.iter().map(String::as_str).collect();
        cx.error(
            SemanticCode::BadArgument,
            span,
            format!("`{fname}` does not take `{}`", field.name),
        )
        .label(format!("not a valid {}", spec.name))
        .help(format!("expected {}", suggest::one_of(&list)));
        return None;
    }
    if cx.checked
        && discover_functions(cx)
        && matches!(
            spec.kind,
            SpecKind::NumericColumn { .. } | SpecKind::NumericOrDateColumn { .. }
        )
        && field.ty.is_some()
        && !sentry_numeric_column(&field.name)
    {
        cx.error(
            SemanticCode::BadArgument,
            span,
            format!("`{fname}` needs a numeric column, and Sentry does not count `{}` as one", field.name),
        )
        .label("not a numeric column for Sentry")
        .help("Sentry's numeric arguments are `transaction.duration`, `timestamp`, measurements (`measurements.lcp`) and span breakdowns (`spans.db`)");
        return None;
    }
    if cx.checked
        && discover_functions(cx)
        && fname == "count_if"
        && spec.name == "column"
        && COUNT_IF_ALIASES.contains(&field.name.as_str())
    {
        cx.error(
            SemanticCode::BadArgument,
            span,
            format!("`count_if` does not take the field alias `{}`", field.name),
        )
        .label("a field alias")
        .help("Sentry's count_if refuses field aliases; use the column it stands for (`project.id`, `issue.id`, `timestamp`, `error.handled`, `user.email`…)");
        return None;
    }
    if cx.checked && !spec.kind.allows_type(column_type(&field)) {
        let what = match spec.kind {
            SpecKind::NumericOrDateColumn { .. } => "a numeric or date column",
            _ => "a numeric column",
        };
        let help = if field.ty.is_none() && cx.catalog.types_attributes(&cx.dataset) {
            format!(
                "`{0}` is a tag (text); write `tags[{0},number]` if its values are numbers",
                field.name
            )
        } else if cx.catalog.is_trace_items(&cx.dataset) {
            // The dataset's default columns first (`span.duration`), then the rest.
            let catalog = cx.catalog;
            let defaults = catalog
                .dataset(&cx.dataset)
                .map(|d| d.default_columns.as_slice())
                .unwrap_or_default();
            let fields = catalog.fields_in(&cx.dataset);
            let mut numeric: Vec<&str> = fields
                .iter()
                .filter(|f| spec.kind.allows_type(f.ty))
                .map(|f| f.name.as_str())
                .collect();
            numeric.sort_by_key(|name| !defaults.iter().any(|d| d == name));
            let examples: Vec<String> = numeric.iter().take(2).map(|f| format!("`{f}`")).collect();
            match examples.is_empty() {
                true => format!("pass {what}, such as `tags[name,number]`"),
                false => format!("pass {what}, such as {}", examples.join(" or ")),
            }
        } else {
            format!("pass {what}, such as `transaction.duration` or `measurements.lcp`")
        };
        cx.error(
            SemanticCode::BadArgument,
            span,
            format!(
                "`{fname}` needs {what}, but `{}` is {}",
                field.name,
                type_text(&field)
            ),
        )
        .label(format!("not {what}"))
        .help(help);
        return None;
    }
    Some(FunctionArg {
        text: field.name.clone(),
        kind: FunctionArgKind::Field(field),
    })
}

fn type_text(field: &FieldRef) -> String {
    match field.ty {
        Some(ty) => format!("a {} field", ty.meta_type()),
        None => String::from("a tag (text)"),
    }
}

/// A default argument as an effective argument.
fn default_arg(cx: &Cx<'_>, spec: &ArgSpec, default: &str) -> FunctionArg {
    let kind = if spec.kind.is_column() {
        let field = cx.catalog.field(&cx.dataset, default);
        FunctionArgKind::Field(FieldRef {
            name: default.to_string(),
            ty: field.map(|f| f.ty),
            array: field.is_some_and(|f| f.array),
        })
    } else if let SpecKind::Number { .. } = spec.kind {
        FunctionArgKind::Number(default.parse().unwrap_or_default())
    } else {
        FunctionArgKind::Text(default.to_string())
    };
    FunctionArg {
        text: default.to_string(),
        kind,
    }
}

/// An aggregate argument as Sentry reads it: quoted when it holds white space, `,`, `"`,
/// parentheses, or is empty; only `"` is escaped.
pub(crate) fn quote_arg(text: &str) -> String {
    let needs = text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | '"' | '(' | ')'));
    if needs {
        format!("\"{}\"", text.replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// A plain number, or a duration as Sentry reads one: `DURATION_PATTERN`
/// (`(\d+\.?\d?)(\D{1,3})`, `src/sentry/search/events/constants.py`) with a unit
/// `parse_duration` knows (`src/sentry/search/utils.py`). `1.25s` and `1e3` are refused there.
fn is_number_or_duration(text: &str) -> bool {
    let digits_end = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(digits_end);
    if unit.is_empty() {
        return !number.is_empty() && number.parse::<f64>().is_ok();
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 1
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && matches!(
            unit,
            "ms" | "s" | "min" | "m" | "hr" | "h" | "day" | "d" | "wk" | "w"
        )
}

fn range_text(min: Option<f64>, max: Option<f64>, below: Option<f64>) -> String {
    if let Some(below) = below {
        return match min {
            Some(lo) => format!("a number from {lo} up to, not including, {below}"),
            None => format!("a number below {below}"),
        };
    }
    match (min, max) {
        (Some(lo), Some(hi)) => format!("a number from {lo} to {hi}"),
        (Some(lo), None) => format!("a number of at least {lo}"),
        (None, Some(hi)) => format!("a number of at most {hi}"),
        (None, None) => String::from("a number"),
    }
}

fn arity_text(info: &FunctionInfo) -> String {
    let (min, max) = (info.min_args(), info.max_args());
    let n = |k: usize| {
        if k == 1 {
            String::from("1 argument")
        } else {
            format!("{k} arguments")
        }
    };
    match (min, max) {
        (0, 0) => String::from("no arguments"),
        (a, b) if a == b => n(a),
        (a, b) => format!("{a} to {}", n(b)),
    }
}

/// `name(arg, [optional])`.
pub(crate) fn signature(info: &FunctionInfo) -> String {
    let args: Vec<String> = info
        .args
        .iter()
        .map(|a| {
            if a.optional {
                format!("[{}]", a.name)
            } else {
                a.name.clone()
            }
        })
        .collect();
    format!("{}({})", info.name, args.join(", "))
}

/// A parameter where a name belongs.
pub(crate) fn param_as_name(cx: &mut Cx<'_>, name: &str, span: Span, what: &str) {
    cx.error(
        SemanticCode::ParamAsName,
        span,
        format!("`${name}` stands where {what} is needed"),
    )
    .label("a parameter is a value, never a name")
    .help("write the name itself; parameters bind values only");
}
