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
        1 => (key.clone(), json()).prop_map(|(k, v)| Json::Array(vec![k, v])),
        1 => json(),
    ]
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
            1 => json(),
        ]
        .prop_map(|v| ("tags", v)),
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
        Json::Str(s) => string(s, pick(style, at) % 8 == 0, out),
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
                string(k, odd && pick(style, at) % 4 == 0, out);
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
