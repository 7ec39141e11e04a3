//! Completion of the newer clauses: `SAMPLING exact|normal` (trace-item datasets only),
//! `COMPARE TO <period>` and `LIMIT ALL`.

use super::*;

#[test]
fn completion_offers_sampling_compare_to_and_limit_all() {
    let (mut client, _) = Client::start_with(json!({}));
    let text = "SELECT count() FROM spans ;\nSELECT count() FROM errors ;\nSELECT count() FROM spans SAMPLING ;\nSELECT count() FROM spans COMPARE ;\nSELECT count() FROM spans COMPARE TO ;\nSELECT count() FROM spans LIMIT ";
    client.open(URI, text);
    let lines: Vec<&str> = text.lines().collect();
    // Just before each line's ` ;`.
    let end = |line: usize| u32::try_from(lines[line].trim_end_matches(';').len()).unwrap();
    // After a complete statement over spans: SAMPLING and COMPARE TO among the clauses.
    let got = labels(&client.request_ok("textDocument/completion", at(0, end(0))));
    for want in ["SAMPLING", "COMPARE TO", "LIMIT"] {
        assert!(got.contains(&want.to_owned()), "{want} in {got:?}");
    }
    // Errors are not sampled: no SAMPLING there, COMPARE TO still.
    let got = labels(&client.request_ok("textDocument/completion", at(1, end(1))));
    assert!(!got.contains(&"SAMPLING".to_owned()), "{got:?}");
    assert!(got.contains(&"COMPARE TO".to_owned()), "{got:?}");
    let items = client.request_ok("textDocument/completion", at(2, end(2)));
    assert_eq!(labels(&items), ["exact", "normal"]);
    let items = client.request_ok("textDocument/completion", at(3, end(3)));
    assert_eq!(labels(&items), ["TO"]);
    let items = client.request_ok("textDocument/completion", at(4, end(4)));
    assert_eq!(labels(&items), ["1d AGO", "7d AGO", "28d AGO"]);
    let items = client.request_ok("textDocument/completion", at(5, end(5)));
    assert_eq!(labels(&items), ["ALL"]);
    assert!(client.shutdown().success());
}
