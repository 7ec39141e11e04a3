//! JSON text built from a tree, with chosen whitespace and string spellings, so the fast
//! scanners see escapes, unicode, nesting, nulls and odd spacing.

use proptest::prelude::*;

#[derive(Clone, Debug)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
    /// A number spelled as written (`-0`, `1e3`, an integer out of range).
    Raw(&'static str),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "release", "level", "user", "browser.name", "os.name", "n", "transaction",
            "error", "1.5", " 7 ", "", "Safari", "frontend@2.5.0",
            "2026-11-16T06:25:01Z", "2026-10-01T00:00:00.5+02:00", "soon",
        ])
        .prop_map(str::to_owned),
        2 => "[a-z\"\\\\/é😀\u{1}\t\n ]{0,6}",
        1 => any::<String>(),
    ]
}

pub(super) fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::Int),
        prop_oneof![any::<f64>(), -1e3f64..1e10].prop_map(Json::Float),
        text().prop_map(Json::Str),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec((text(), inner), 0..5).prop_map(Json::Object),
        ]
    })
}

fn tag() -> impl Strategy<Value = Json> {
    let key = prop::sample::select(vec![
        "release",
        "level",
        "user",
        "browser.name",
        "transaction",
        "n",
        "other",
    ])
    .prop_map(|k| Json::Str(k.to_owned()));
    prop_oneof![
        6 => (key.clone(), json()).prop_map(|(k, v)| Json::Object(vec![
            ("key".into(), k),
            ("value".into(), v),
        ])),
        3 => (key.clone(), text()).prop_map(|(k, v)| Json::Object(vec![
            ("key".into(), k),
            ("value".into(), Json::Str(v)),
        ])),
        1 => (key.clone(), json()).prop_map(|(k, v)| Json::Object(vec![
            ("value".into(), v),
            ("extra".into(), Json::Null),
            ("key".into(), k),
        ])),
        2 => (key.clone(), json()).prop_map(|(k, v)| Json::Array(vec![k, v])),
        2 => (key.clone(), text()).prop_map(|(k, v)| Json::Array(vec![k, Json::Str(v)])),
        1 => (key.clone(), text(), json()).prop_map(|(k, v, w)| Json::Array(vec![k, Json::Str(v), w])),
        1 => key.clone().prop_map(|k| Json::Array(vec![k])),
        1 => json(),
    ]
}

/// Mostly what Sentry writes for a text member, sometimes another type.
fn scalarish() -> impl Strategy<Value = Json> {
    prop_oneof![
        6 => text().prop_map(Json::Str),
        1 => Just(Json::Null),
        1 => any::<i64>().prop_map(Json::Int),
        1 => json(),
    ]
}

/// An object whose members are drawn from `members` (repeats included: serde_json's duplicate
/// field error), sometimes with an unknown member.
fn object_of(members: Vec<(&'static str, BoxedStrategy<Json>)>) -> impl Strategy<Value = Json> {
    let member = prop::strategy::Union::new(
        members
            .into_iter()
            .map(|(k, v)| (Just(k.to_owned()), v).boxed())
            .chain([(text(), json()).boxed()]),
    );
    prop::collection::vec(member, 0..6).prop_map(Json::Object)
}

fn scalars(keys: &[&'static str]) -> Vec<(&'static str, BoxedStrategy<Json>)> {
    keys.iter().map(|k| (*k, scalarish().boxed())).collect()
}

/// Sometimes null or anything at all instead of the shape.
fn or_odd(shape: impl Strategy<Value = Json> + 'static) -> BoxedStrategy<Json> {
    prop_oneof![8 => shape, 1 => Just(Json::Null), 1 => json()].boxed()
}

fn user() -> BoxedStrategy<Json> {
    let geo = object_of(scalars(&["country_code", "city", "region"]));
    let mut members = scalars(&["id", "email", "username", "ip_address", "name"]);
    members.push(("geo", or_odd(geo)));
    or_odd(object_of(members))
}

fn contexts() -> BoxedStrategy<Json> {
    let named = || {
        or_odd(object_of(scalars(&[
            "name",
            "version",
            "build",
            "kernel_version",
            "distribution_name",
            "distribution_version",
            "type",
        ])))
    };
    let trace = object_of(scalars(&[
        "op",
        "status",
        "trace_id",
        "span_id",
        "parent_span_id",
        "type",
    ]));
    or_odd(object_of(vec![
        ("trace", or_odd(trace)),
        ("browser", named()),
        ("os", named()),
        ("client_os", named()),
        (
            "device",
            or_odd(object_of(scalars(&["arch", "model_id", "screen_dpi"]))),
        ),
        ("response", or_odd(object_of(scalars(&["status_code"])))),
    ]))
}

fn frame() -> BoxedStrategy<Json> {
    let flag = || {
        prop_oneof![4 => any::<bool>().prop_map(Json::Bool), 1 => Just(Json::Null), 1 => json()]
            .boxed()
    };
    let line = || {
        prop_oneof![
            4 => (0i64..2000).prop_map(Json::Int),
            1 => Just(Json::Null),
            1 => prop::sample::select(vec!["-0", "-7", "1.5", "1e3", "9223372036854775808", "-9223372036854775808"]).prop_map(Json::Raw),
            1 => json(),
        ]
        .boxed()
    };
    let mut members = scalars(&[
        "filename", "function", "absPath", "abs_path", "module", "package",
    ]);
    members.extend([
        ("inApp", flag()),
        ("in_app", flag()),
        ("lineNo", line()),
        ("lineno", line()),
        ("colNo", line()),
        ("colno", line()),
    ]);
    or_odd(object_of(members))
}

fn exception_data() -> BoxedStrategy<Json> {
    let mechanism = object_of(vec![
        ("type", scalarish().boxed()),
        (
            "handled",
            prop_oneof![3 => any::<bool>().prop_map(Json::Bool), 1 => json()].boxed(),
        ),
    ]);
    let stacktrace = object_of(vec![(
        "frames",
        or_odd(prop::collection::vec(frame(), 0..4).prop_map(Json::Array)),
    )]);
    let exception = object_of(vec![
        ("type", scalarish().boxed()),
        ("value", scalarish().boxed()),
        ("mechanism", or_odd(mechanism)),
        ("stacktrace", or_odd(stacktrace)),
    ]);
    or_odd(object_of(vec![(
        "values",
        or_odd(prop::collection::vec(or_odd(exception), 0..3).prop_map(Json::Array)),
    )]))
}

fn request() -> BoxedStrategy<Json> {
    or_odd(object_of(scalars(&["method", "url", "headers"])))
}

fn entries() -> BoxedStrategy<Json> {
    let kind = prop_oneof![
        6 => prop::sample::select(vec!["exception", "request", "breadcrumbs"]).prop_map(|k| Json::Str(k.to_owned())),
        1 => json(),
    ];
    let entry = prop_oneof![
        3 => (kind.clone(), exception_data()).prop_map(|(k, d)| Json::Object(vec![("type".into(), k), ("data".into(), d)])),
        2 => (kind.clone(), request()).prop_map(|(k, d)| Json::Object(vec![("data".into(), d), ("type".into(), k)])),
        1 => object_of(vec![("type", kind.boxed()), ("data", json().boxed())]),
    ];
    or_odd(prop::collection::vec(entry, 0..4).prop_map(Json::Array))
}

/// An event object: known and unknown members with plausible or arbitrary values.
pub(super) fn event() -> impl Strategy<Value = Json> {
    let member = prop_oneof![
        prop::sample::select(vec![
            "id",
            "eventID",
            "title",
            "message",
            "type",
            "platform",
            "projectID",
            "projectSlug",
            "groupID",
            "culprit",
        ])
        .prop_flat_map(|k| (
            Just(k),
            prop_oneof![
                3 => text().prop_map(Json::Str),
                1 => json(),
            ]
        )),
        prop::sample::select(vec![
            "dateCreated",
            "datetime",
            "dateReceived",
            "startTimestamp",
            "endTimestamp",
        ])
        .prop_flat_map(|k| (
            Just(k),
            prop_oneof![
                3 => text().prop_map(Json::Str),
                2 => (1.7e9f64..1.8e9).prop_map(Json::Float),
                1 => json(),
            ]
        )),
        prop_oneof![
            4 => prop::collection::vec(tag(), 0..6).prop_map(Json::Array),
            1 => prop::collection::vec((prop::sample::select(vec!["release", "level", "user", "n"]).prop_map(str::to_owned), prop_oneof![3 => text().prop_map(Json::Str), 1 => json()]), 0..4).prop_map(Json::Object),
            1 => json(),
        ]
        .prop_map(|v| ("tags", v)),
        prop_oneof![
            Just("user").prop_flat_map(|k| (Just(k), user())),
            Just("contexts").prop_flat_map(|k| (Just(k), contexts())),
            Just("entries").prop_flat_map(|k| (Just(k), entries())),
            Just("exception").prop_flat_map(|k| (Just(k), exception_data())),
            Just("request").prop_flat_map(|k| (Just(k), request())),
        ],
        prop::sample::select(vec!["transaction", "error", "default"])
            .prop_map(|t| ("type", Json::Str(t.to_owned()))),
        prop::sample::select(vec![
            "user",
            "contexts",
            "entries",
            "release",
            "sdk",
            "measurements",
            "other",
            "exception",
            "request",
        ])
        .prop_flat_map(|k| (Just(k), json())),
    ];
    prop::collection::vec(member, 0..7).prop_map(|members| {
        Json::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    })
}

/// Writes `json`, taking whitespace and string spellings from `style` in turn.
pub(super) fn write(json: &Json, style: &[u8], at: &mut usize, out: &mut String) {
    fn pick(style: &[u8], at: &mut usize) -> u8 {
        let s = style.get(*at % style.len().max(1)).copied().unwrap_or(0);
        *at += 1;
        s
    }
    // Tabs and newlines between tokens (valid, but the scanner leaves them to
    // serde_json) only in one event of four, so most events take the fast path.
    let odd = style.first().is_some_and(|s| s % 4 == 0);
    let ws = |at: &mut usize, out: &mut String| {
        out.push_str(match pick(style, at) % 16 {
            2..=4 if !odd => " ",
            0 => " ",
            1 => "  ",
            2 => "\t",
            3 => "\r\n",
            4 => "\n",
            _ => "",
        });
    };
    let string = |s: &str, escape_all: bool, out: &mut String| {
        if escape_all {
            out.push('"');
            for unit in s.encode_utf16() {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(s).unwrap().replace('/', "\\/"));
        }
    };
    ws(at, out);
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => out.push_str(&i.to_string()),
        Json::Float(f) => out.push_str(&serde_json::to_string(f).unwrap()),
        Json::Raw(text) => out.push_str(text),
        Json::Str(s) => string(s, pick(style, at).is_multiple_of(8), out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, style, at, out);
            }
            ws(at, out);
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(at, out);
                string(k, odd && pick(style, at).is_multiple_of(4), out);
                ws(at, out);
                out.push(':');
                write(v, style, at, out);
            }
            ws(at, out);
            out.push('}');
        }
    }
    ws(at, out);
}
