//! Configuration: flags, environment, rc files, and how it is described.

use super::*;

// ---- configuration ----

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn config_prefers_flags_then_env_then_local_rc_then_home_rc() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let nested = work.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\ntoken = home-token\n\n[defaults]\nurl = https://home.example\norg = home-org\nproject = home-proj\n",
    )
    .unwrap();
    std::fs::write(
        work.path().join(".sentryclirc"),
        "; local settings\n[defaults]\norg = \"local-org\"\n",
    )
    .unwrap();
    let mut inputs = ConfigInputs {
        flags: Flags::default(),
        env: env(&[("SENTRY_PROJECT", "env-proj"), ("PATH", "/bin")]),
        cwd: Some(nested.clone()),
        home: Some(home.path().to_owned()),
    };

    let config = Config::resolve(&inputs).unwrap();
    assert_eq!(config.url.value, "https://home.example");
    assert_eq!(
        config.org.as_ref().unwrap().origin,
        Origin::File {
            path: work.path().join(".sentryclirc"),
            line: 3
        }
    );
    assert_eq!(config.org().unwrap(), "local-org");
    assert_eq!(config.token().unwrap().expose(), "home-token");
    assert_eq!(config.project.as_ref().unwrap().value, "env-proj");
    assert_eq!(
        config.project.as_ref().unwrap().origin,
        Origin::Env("SENTRY_PROJECT")
    );

    inputs.env = env(&[
        ("SENTRY_ORG", "env-org"),
        ("SENTRY_AUTH_TOKEN", "env-token"),
    ]);
    inputs.flags.org = Some("flag-org".into());
    let config = Config::resolve(&inputs).unwrap();
    assert!(!format!("{inputs:?} {config:?}").contains("env-token"));
    assert_eq!(config.org().unwrap(), "flag-org");
    assert_eq!(config.org.as_ref().unwrap().origin, Origin::Flag("--org"));
    assert_eq!(config.token().unwrap().expose(), "env-token");
}

#[test]
fn config_defaults_and_missing_settings_say_how_to_set_them() {
    let empty = tempfile::tempdir().unwrap();
    let inputs = ConfigInputs {
        flags: Flags::default(),
        env: BTreeMap::new(),
        cwd: Some(empty.path().to_owned()),
        home: Some(empty.path().to_owned()),
    };
    let config = Config::resolve(&inputs).unwrap();
    assert_eq!(config.url.value, "https://sentry.io");
    assert_eq!(config.url.origin, Origin::Default);
    let error = config.token().unwrap_err();
    assert_eq!(
        miette::Diagnostic::code(&error).unwrap().to_string(),
        "dql::client::missing_token"
    );
    assert!(
        miette::Diagnostic::help(&error)
            .unwrap()
            .to_string()
            .contains("SENTRY_AUTH_TOKEN")
    );
    assert_eq!(error.exit_code(), 3);
    let error = config.org().unwrap_err();
    assert!(
        miette::Diagnostic::help(&error)
            .unwrap()
            .to_string()
            .contains("SENTRY_ORG")
    );
    assert!(matches!(
        Client::from_config(&config, Timeouts::default()),
        Err(ClientError::MissingToken)
    ));
}

#[test]
fn describe_masks_the_token_and_names_origins() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\ntoken=sntrys_secretsecretsecret_wxyz\n",
    )
    .unwrap();
    let inputs = ConfigInputs {
        flags: Flags {
            url: Some("https://sentry.example.com".into()),
            ..Flags::default()
        },
        env: env(&[("SENTRY_ORG", "acme")]),
        cwd: None,
        home: Some(home.path().to_owned()),
    };
    let rows = Config::resolve(&inputs).unwrap().describe();
    let table: Vec<(String, Option<String>, String)> = rows
        .into_iter()
        .map(|r| (r.setting.to_owned(), r.value, r.origin))
        .collect();
    let rc = home.path().join(".sentryclirc").display().to_string();
    assert_eq!(
        table,
        [
            (
                "url".into(),
                Some("https://sentry.example.com".into()),
                "flag --url".into()
            ),
            (
                "org".into(),
                Some("acme".into()),
                "environment variable SENTRY_ORG".into()
            ),
            ("token".into(), Some("***wxyz".into()), format!("{rc}:2")),
            (
                "project".into(),
                None,
                "not set (--project, SENTRY_PROJECT or [defaults] project)".into()
            ),
        ]
    );
}

#[test]
fn malformed_rc_is_an_error_with_its_line() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\njust some words\n",
    )
    .unwrap();
    let inputs = ConfigInputs {
        home: Some(home.path().to_owned()),
        ..ConfigInputs::default()
    };
    let error = Config::resolve(&inputs).unwrap_err();
    assert!(
        matches!(&error, ClientError::ConfigFile { message, .. } if message.starts_with("line 2:"))
    );
    assert_eq!(error.exit_code(), 3);
}
