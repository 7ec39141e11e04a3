//! How results fit the REPL's terminal: `.width`, `.pager`, `.expanded` and `\x`, and the
//! table [`Layout`] they make with the terminal's size.

use dql::format::{Expanded, Layout};
use std::fmt;

/// The display settings of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Display {
    /// `.width`: the terminal's, a fixed count, or none (`.width off`: nothing is cut).
    pub(crate) width: Width,
    /// `.pager on|off`: results taller than the screen go to `$PAGER`.
    pub(crate) pager: bool,
    /// `.expanded on|off|auto` and `\x`.
    pub(crate) expanded: Expanded,
}

/// The width tables are fitted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    /// The terminal's width, read before each result.
    Terminal,
    /// A fixed number of columns.
    Fixed(usize),
    /// No limit.
    Off,
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Width::Terminal => f.write_str("auto (the terminal's)"),
            Width::Fixed(n) => write!(f, "{n}"),
            Width::Off => f.write_str("off (nothing is cut)"),
        }
    }
}

impl std::default::Default for Display {
    fn default() -> Self {
        Display {
            width: Width::Terminal,
            pager: true,
            expanded: Expanded::Auto,
        }
    }
}

/// The rows a result shows on the REPL's terminal without a pager.
pub(crate) const MAX_ROWS: usize = 40;

impl Display {
    /// The layout for a result on a terminal of `screen` (columns, rows), or off a terminal.
    /// `paged`: a pager will take a long result, so every row is drawn.
    pub(crate) fn layout(&self, screen: Option<(usize, usize)>, paged: bool) -> Layout {
        let Some((columns, _)) = screen else {
            // Not a terminal (a script piped into dql): like a pipe, nothing is cut, but the
            // width and expanded settings given explicitly still hold.
            return Layout {
                width: match self.width {
                    Width::Fixed(n) => Some(n),
                    _ => None,
                },
                expanded: self.expanded,
                ..Layout::default()
            };
        };
        Layout {
            width: match self.width {
                Width::Terminal => Some(columns),
                Width::Fixed(n) => Some(n),
                Width::Off => None,
            },
            max_rows: (!paged).then_some(MAX_ROWS),
            all_rows_hint: Some(".pager on or .format csv shows them all".to_owned()),
            expanded: self.expanded,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// `.width [N|auto|off]`, `.pager [on|off]`, `.expanded [on|off|auto]` and `\x`: changes
    /// the setting and returns the line to print.
    pub(crate) fn command(&mut self, name: &str, argument: &str) -> String {
        let argument = argument.trim().to_ascii_lowercase();
        match name {
            "width" => match argument.as_str() {
                "" => {}
                "auto" | "terminal" => self.width = Width::Terminal,
                "off" | "wide" | "0" => self.width = Width::Off,
                n => match n.parse::<usize>() {
                    Ok(n) if n >= 20 => self.width = Width::Fixed(n),
                    _ => {
                        return "error: write `.width N` (20 or more), `.width auto` or \
                                `.width off`"
                            .to_owned();
                    }
                },
            },
            "pager" => match argument.as_str() {
                "" => {}
                "on" => self.pager = true,
                "off" => self.pager = false,
                _ => return "error: write `.pager on` or `.pager off`".to_owned(),
            },
            "expanded" | "x" => match argument.as_str() {
                // `\x` alone toggles, as in psql; `auto` toggles to on.
                "" if name == "x" => {
                    self.expanded = match self.expanded {
                        Expanded::On => Expanded::Off,
                        Expanded::Off | Expanded::Auto => Expanded::On,
                    }
                }
                "" => {}
                "on" => self.expanded = Expanded::On,
                "off" => self.expanded = Expanded::Off,
                "auto" => self.expanded = Expanded::Auto,
                _ => {
                    return "error: write `.expanded on`, `.expanded off` or `.expanded auto`"
                        .to_owned();
                }
            },
            _ => return format!("error: unknown display setting `{name}`"),
        }
        match name {
            "width" => format!("width: {}", self.width),
            "pager" => format!("pager: {}", super::settings::on_off(self.pager)),
            _ => format!("expanded: {}", expanded_name(self.expanded)),
        }
    }
}

/// `on`, `off` or `auto`.
pub(crate) fn expanded_name(expanded: Expanded) -> &'static str {
    match expanded {
        Expanded::On => "on",
        Expanded::Off => "off",
        Expanded::Auto => "auto",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_change_and_refuse() {
        let mut display = Display::default();
        assert_eq!(display.command("width", "100"), "width: 100");
        assert_eq!(display.layout(Some((80, 24)), false).width, Some(100));
        assert_eq!(
            display.command("width", "off"),
            "width: off (nothing is cut)"
        );
        assert_eq!(display.layout(Some((80, 24)), false).width, None);
        assert!(display.command("width", "5").starts_with("error:"));
        assert_eq!(display.command("pager", "off"), "pager: off");
        assert!(!display.pager);
        assert_eq!(display.command("x", ""), "expanded: on");
        assert_eq!(display.command("x", ""), "expanded: off");
        assert_eq!(display.command("expanded", "auto"), "expanded: auto");
        assert!(display.command("expanded", "maybe").starts_with("error:"));
    }

    #[test]
    fn a_terminal_caps_rows_unless_a_pager_takes_them() {
        let display = Display::default();
        let unpaged = display.layout(Some((80, 24)), false);
        assert_eq!(
            (unpaged.width, unpaged.max_rows),
            (Some(80), Some(MAX_ROWS))
        );
        assert_eq!(display.layout(Some((80, 24)), true).max_rows, None);
        assert_eq!(
            display.layout(None, false),
            Layout {
                expanded: Expanded::Auto,
                ..Layout::default()
            }
        );
    }
}
