//! Every client error is coded and has help.

use super::*;

#[test]
fn every_error_has_a_client_code_and_help() {
    let errors = [
        ClientError::MissingToken,
        ClientError::MissingOrg,
        ClientError::InvalidOrg { org: "a/b".into() },
        ClientError::BadQuery {
            detail: "x".into(),
            clause: None,
        },
        ClientError::NotFound { what: "x".into() },
        ClientError::Network {
            url: "u".into(),
            tries: 1,
            message: "m".into(),
        },
    ];
    for error in errors {
        let code = miette::Diagnostic::code(&error).unwrap().to_string();
        assert!(code.starts_with("dql::client::"), "{code}");
        assert!(miette::Diagnostic::help(&error).is_some(), "{code}");
    }
    assert!(matches!(
        Client::with_transport(
            ReqwestTransport::new(Token::new("t"), Timeouts::default()).unwrap(),
            "https://sentry.io",
            Some("a/b".into())
        ),
        Err(ClientError::InvalidOrg { .. })
    ));
}
