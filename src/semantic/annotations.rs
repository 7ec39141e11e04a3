//! `-- @name` / `-- @description` annotations: known keys, name shape, unique names.

use crate::diagnostic::Diagnostic;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::File;

/// The annotation keys dql reads.
const KNOWN: [&str; 5] = ["name", "description", "id", "source", "saved"];

/// Checks every statement's annotations across the file.
pub(crate) fn check(file: &File) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // A map, not a list: a file of 100,000 statements must not check in quadratic time.
    let mut names: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    for statement in &file.statements {
        for annotation in &statement.annotations {
            match annotation.key.node.as_str() {
                "name" => {
                    let name = annotation.value.node.as_str();
                    let valid = !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
                    if !valid {
                        out.push(
                            Diagnostic::error(
                                SemanticCode::BadStatementName,
                                annotation.value.span,
                                format!("`{name}` is not a valid statement name"),
                            )
                            .label("letters, digits, `_`, `.` and `-` only")
                            .help("use a name such as `slow_endpoints`"),
                        );
                    } else if let Some(first) = names.get(name) {
                        out.push(
                            Diagnostic::error(
                                SemanticCode::DuplicateName,
                                annotation.value.span,
                                format!("two statements are named `{name}`"),
                            )
                            .label("second use")
                            .with_label(*first, "first use")
                            .help("statement names are unique in a file, so `--name` picks one"),
                        );
                    } else {
                        names.insert(name, annotation.value.span);
                    }
                }
                // `dql pull` writes `@id`, `@source` and `@saved` (src/saved/).
                "description" | "id" | "source" | "saved" => {}
                other => out.push(
                    Diagnostic::warning(
                        SemanticCode::UnknownAnnotation,
                        annotation.key.span,
                        format!("unknown annotation `@{other}`"),
                    )
                    .label("ignored")
                    .help(super::suggest::closest_list(other, KNOWN))
                    .fix_opt(annotation.key.span, super::suggest::suggest(other, KNOWN)),
                ),
            }
        }
    }
    out
}
