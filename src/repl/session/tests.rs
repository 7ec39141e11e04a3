use super::super::backend::Checked;
use super::*;
use dql::answer::OutputColumn;
use dql::result::ResultSet;
use std::cell::RefCell;
use std::rc::Rc;

/// A backend that records the queries it was given (as canonical DQL) and answers with
/// one fixed row.
#[derive(Default, Clone)]
struct Fake {
    seen: Rc<RefCell<Vec<String>>>,
    hint: Option<String>,
}

impl Backend for Fake {
    fn check(&self, _query: &Query<'_>) -> Checked {
        Checked {
            diagnostics: Vec::new(),
            statements: Ok(Vec::new()),
        }
    }
    fn compile(&self, query: &Query<'_>, _checked: &Checked) -> Result<String, Failure> {
        Ok(format!("GET /fake params={:?}", query.params))
    }
    fn run(
        &mut self,
        query: &Query<'_>,
        _checked: &Checked,
        cancel: &AtomicBool,
    ) -> Result<Vec<Answer>, Failure> {
        if cancel.load(Ordering::SeqCst) {
            return Err(Failure::Cancelled);
        }
        for statement in &query.file.statements {
            self.seen.borrow_mut().push(statement.kind.to_string());
        }
        let row = serde_json::json!({"count()": 3, "customer": "acme"});
        Ok(vec![Answer {
            name: None,
            columns: vec![
                OutputColumn {
                    field: "customer".into(),
                    label: "customer".into(),
                    ty: None,
                },
                OutputColumn {
                    field: "count()".into(),
                    label: "count()".into(),
                    ty: None,
                },
            ],
            result: ResultSet {
                data: vec![row.as_object().unwrap().clone()],
                meta: Default::default(),
            },
            has_more: false,
        }])
    }
    fn cost(&self, source: &dql::Source, _checked: &Checked) -> Result<String, Failure> {
        self.seen
            .borrow_mut()
            .push(format!("cost of {}", source.text().trim()));
        Ok("statement 1 (line 1): 1 request\n".to_owned())
    }
    fn connection_hint(&self) -> Option<String> {
        self.hint.clone()
    }
}

fn session(fake: Fake) -> Session<Fake> {
    Session::new(fake, Format::Csv, Arc::new(AtomicBool::new(false)), false)
}

fn run(session: &mut Session<Fake>, input: &str) -> String {
    let mut out = Vec::new();
    session.handle(input, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `.help` fits an 80-column terminal: a longer line wraps mid-word there.
#[test]
fn help_fits_80_columns() {
    let mut s = session(Fake::default());
    let help = run(&mut s, ".help");
    assert!(help.contains(".watch [N]"), "{help}");
    for line in help.lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
    }
}

#[test]
fn a_query_runs_with_the_session_defaults_and_prints_in_the_format() {
    let fake = Fake::default();
    let mut s = session(fake.clone());
    assert_eq!(run(&mut s, ".set since 24h"), "since = 24h\n");
    assert_eq!(run(&mut s, ".set dataset errors"), "dataset = errors\n");
    let printed = run(&mut s, "SELECT customer, count()\nGROUP BY customer;");
    assert_eq!(printed, "customer,count()\nacme,3\n");
    assert_eq!(
        fake.seen.borrow().as_slice(),
        ["SELECT customer, count() FROM errors GROUP BY customer SINCE 24h"]
    );
    assert!(s.tags.contains("customer"), "{:?}", s.tags);
}

#[test]
fn describe_and_functions_list_the_catalog() {
    let mut s = session(Fake::default());
    let functions = run(&mut s, ".functions spans");
    assert!(
        functions.contains("p95([column: numeric = span.duration]) → type of argument 1"),
        "{functions}"
    );
    assert!(!functions.contains("apdex"), "{functions}");
    run(&mut s, ".set dataset logs");
    let described = run(&mut s, ".describe");
    assert!(described.starts_with("dataset logs\n"), "{described}");
    assert!(described.contains("severity_number"), "{described}");
    assert!(described.contains("ourlogs/attributes.py"), "{described}");
    let unknown = run(&mut s, ".describe spanz");
    assert!(unknown.contains("did you mean `spans`?"), "{unknown}");
}

#[test]
fn a_syntax_error_is_shown_and_nothing_runs() {
    let fake = Fake::default();
    let mut s = session(fake.clone());
    let printed = run(&mut s, "SELECT count() FRM errors;");
    assert!(printed.contains("dql::syntax::"), "{printed}");
    assert!(fake.seen.borrow().is_empty());
}

#[test]
fn compile_shows_the_last_query_with_defaults_and_params() {
    let mut s = session(Fake::default());
    assert_eq!(
        run(&mut s, ".compile"),
        "no query yet: type one, then .compile shows its request\n"
    );
    run(&mut s, ".param env=prod");
    run(&mut s, ".set environment production");
    run(&mut s, "SELECT count() FROM errors;");
    assert_eq!(
        run(&mut s, ".compile"),
        "query    SELECT count() FROM errors ENVIRONMENT production;\n\
             GET /fake params={\"env\": \"prod\"}\n"
    );
}

#[test]
fn cost_prices_the_last_query_through_the_backend_and_runs_nothing() {
    let fake = Fake::default();
    let mut s = session(fake.clone());
    assert_eq!(
        run(&mut s, ".cost"),
        "no query yet: type one, then .cost shows what it takes to run\n"
    );
    run(&mut s, "SELECT count() FROM errors;");
    fake.seen.borrow_mut().clear();
    assert_eq!(run(&mut s, ".cost"), "statement 1 (line 1): 1 request\n");
    assert_eq!(
        *fake.seen.borrow(),
        ["cost of SELECT count() FROM errors;"],
        "priced once, not run"
    );
    assert_eq!(
        run(&mut s, ".cost 5"),
        "error: write `.cost` (it prices the last query)\n"
    );
    assert!(run(&mut s, ".cots").contains("did you mean `.cost`?"));
}

#[test]
fn without_a_connection_queries_compile_and_say_how_to_connect() {
    let fake = Fake {
        hint: Some("set SENTRY_AUTH_TOKEN".into()),
        ..Fake::default()
    };
    let mut s = session(fake.clone());
    let printed = run(&mut s, "SELECT count() FROM errors;");
    assert_eq!(
        printed,
        "query    SELECT count() FROM errors;\nGET /fake params={}\nnot run: set SENTRY_AUTH_TOKEN\n"
    );
    assert!(fake.seen.borrow().is_empty());
}

#[test]
fn meta_commands_inspect_and_refuse() {
    let mut s = session(Fake::default());
    assert_eq!(run(&mut s, ".format json"), "format: json\n");
    assert!(run(&mut s, ".format yaml").starts_with("error: unknown output format `yaml`"));
    assert!(run(&mut s, ".fromat csv").contains("did you mean `.format`"));
    assert_eq!(run(&mut s, ".param $p = a b"), "$p = a b\n");
    assert_eq!(run(&mut s, ".params"), "$p = a b\n");
    assert_eq!(run(&mut s, ".unset $p"), "");
    let settings = run(&mut s, ".set");
    assert!(settings.contains("format       json"), "{settings}");
    assert!(settings.contains("no parameters"), "{settings}");
    assert_eq!(run(&mut s, ".timing on"), "timing: on\n");
    assert_eq!(s.handle(".quit", &mut Vec::new()).unwrap(), Step::Quit);
}

#[test]
fn display_commands_change_how_results_are_drawn() {
    let mut s = session(Fake::default());
    assert_eq!(run(&mut s, ".format table"), "format: table\n");
    assert_eq!(run(&mut s, "\\x"), "expanded: on\n");
    let vertical = run(&mut s, "SELECT count() FROM errors;");
    assert!(vertical.starts_with("─[ row 1 ]"), "{vertical}");
    assert!(vertical.contains("customer │ acme"), "{vertical}");
    assert_eq!(run(&mut s, "\\x"), "expanded: off\n");
    assert!(run(&mut s, "SELECT count() FROM errors;").starts_with('┌'));
    assert_eq!(run(&mut s, ".expanded auto"), "expanded: auto\n");
    assert_eq!(run(&mut s, ".width 20"), "width: 20\n");
    assert_eq!(run(&mut s, ".pager off"), "pager: off\n");
    let settings = run(&mut s, ".set");
    assert!(settings.contains("width        20"), "{settings}");
    assert!(settings.contains("pager        off"), "{settings}");
    assert!(run(&mut s, ".width narrow").starts_with("error:"));
    // A fixed width holds even off a terminal.
    let fitted = run(&mut s, "SELECT count() FROM errors;");
    assert!(fitted.lines().all(|l| l.chars().count() <= 20), "{fitted}");
    assert_eq!(run(&mut s, ".width off"), "width: off (nothing is cut)\n");
}

#[test]
fn several_statements_print_in_csv_with_a_statement_column() {
    let mut s = session(Fake::default());
    // The fake gives one answer per run, so two of them are handed to `answers` directly.
    let answer = Fake::default()
        .run(
            &Query {
                file: &syntax::parse(&Source::new("t", "SELECT count() FROM errors;")).file,
                params: &Default::default(),
            },
            &Checked {
                diagnostics: Vec::new(),
                statements: Ok(Vec::new()),
            },
            &AtomicBool::new(false),
        )
        .unwrap()
        .remove(0);
    let mut out = Vec::new();
    s.answers(&[answer.clone(), answer], &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "statement,customer,count()\nresult 1,acme,3\nresult 2,acme,3\n"
    );
}

#[test]
fn output_once_and_last_route_and_reshow_results() {
    let dir = std::env::temp_dir().join(format!("dql-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.csv");
    let path = file.display().to_string();
    let mut s = session(Fake::default());
    assert_eq!(run(&mut s, ".last"), "no result yet: run a query first\n");
    assert!(run(&mut s, &format!(".once {path}")).contains("the next result goes to"));
    assert_eq!(run(&mut s, "SELECT count() FROM errors;"), "");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "customer,count()\nacme,3\n"
    );
    // Only once: the next result is printed here again.
    assert_eq!(
        run(&mut s, "SELECT count() FROM errors;"),
        "customer,count()\nacme,3\n"
    );
    assert!(run(&mut s, &format!(".output {path}")).contains("results go to"));
    run(&mut s, "SELECT count() FROM errors;");
    run(&mut s, "SELECT count() FROM errors;");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "customer,count()\nacme,3\ncustomer,count()\nacme,3\n"
    );
    assert!(run(&mut s, ".output").starts_with("results come here again"));
    // `.last` shows the last result again, in another format when asked.
    assert_eq!(run(&mut s, ".last"), "customer,count()\nacme,3\n");
    assert_eq!(
        run(&mut s, ".last json"),
        "[\n{\"name\":null,\"data\":[\n{\"customer\":\"acme\",\"count()\":3}\n],\"meta\":{\"fields\":{},\"units\":{}}}\n]\n"
    );
    assert!(run(&mut s, ".last yaml").starts_with("error: unknown output format"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn psql_backslash_commands_point_to_dql_ones() {
    let mut s = session(Fake::default());
    assert!(run(&mut s, "\\?").starts_with("Queries end with `;`"));
    let d = run(&mut s, "\\d");
    assert!(
        d.contains("dql has no tables") && d.contains("errors"),
        "{d}"
    );
    assert!(run(&mut s, "\\z").contains("dql's commands start with `.`"));
    assert_eq!(s.handle("\\q", &mut Vec::new()).unwrap(), Step::Quit);
}

#[test]
fn values_of_plain_columns_are_remembered_for_completion() {
    let mut s = session(Fake::default());
    run(
        &mut s,
        "SELECT customer, count() FROM errors GROUP BY customer;",
    );
    assert_eq!(
        s.values.get("customer"),
        Some(&BTreeSet::from(["acme".to_owned()]))
    );
    assert!(!s.values.contains_key("count()"));
}

#[test]
fn a_raised_cancel_flag_is_cleared_before_the_next_run() {
    let mut s = session(Fake::default());
    s.cancel.store(true, Ordering::SeqCst);
    // A Ctrl-C pressed while idle must not cancel the next query.
    assert_eq!(
        run(&mut s, "SELECT count() FROM errors;"),
        "customer,count()\nacme,3\n"
    );
}
