//! The meta-commands (`.help`, `.set`, `.param`, `.output`, …) of a session.

use super::*;

impl<B: Backend> Session<B> {
    pub(super) fn meta(&mut self, command: &str, out: &mut dyn Write) -> io::Result<Step> {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(name, rest)| (name, rest.trim()));
        let name = name.to_ascii_lowercase();
        match (name.as_str(), rest) {
            ("help" | "h" | "?", _) => write!(out, "{HELP}")?,
            ("quit" | "exit" | "q", _) => return Ok(Step::Quit),
            ("format", "") => writeln!(out, "format: {}", self.settings.format)?,
            ("format", name) => match name.parse::<Format>() {
                Ok(format) => {
                    self.settings.format = format;
                    writeln!(out, "format: {format}")?;
                }
                Err(error) => {
                    writeln!(out, "error: {error}: valid formats are {}", format_names())?
                }
            },
            ("set", "") => {
                for (key, value) in self.settings.describe() {
                    writeln!(out, "{key:<12} {value}")?;
                }
                self.params(out)?;
            }
            ("set", args) => {
                let (key, value) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                let mut trial = self.settings.clone();
                match trial.set(key, value) {
                    Ok(()) => match self.refuse_setting(&trial, key) {
                        None => {
                            self.settings = trial;
                            writeln!(out, "{} = {}", key.to_ascii_lowercase(), value.trim())?;
                        }
                        Some(reason) => writeln!(
                            out,
                            "error: `.set {key} {}` not set: {reason}",
                            value.trim()
                        )?,
                    },
                    Err(error) => writeln!(out, "error: {error}")?,
                }
            }
            ("edit", _) => writeln!(out, "error: .edit edits on a terminal only")?,
            ("output" | "once", "") if name == "once" => {
                writeln!(out, "error: write `.once FILE`")?;
            }
            ("output", "") => match self.output.take() {
                Some(previous) => writeln!(
                    out,
                    "results come here again ({} is closed)",
                    previous.path.display()
                )?,
                None => writeln!(out, "results already come here")?,
            },
            ("output" | "once", path) => match std::fs::File::create(path) {
                Ok(file) => {
                    let once = name == "once";
                    self.output = Some(Output {
                        path: PathBuf::from(path),
                        file,
                        once,
                    });
                    if once {
                        writeln!(out, "the next result goes to {path}")?;
                    } else {
                        writeln!(out, "results go to {path} (.output alone brings them back)")?;
                    }
                }
                Err(error) => writeln!(out, "error: cannot write {path}: {error}")?,
            },
            ("last", format) => {
                let format = if format.is_empty() {
                    Ok(self.settings.format)
                } else {
                    format.parse::<Format>()
                };
                match (format, self.last_answers.is_empty()) {
                    (_, true) => writeln!(out, "no result yet: run a query first")?,
                    (Ok(format), false) => {
                        let answers = self.last_answers.clone();
                        self.render(&answers, format, out, Shown::HereInFull)?;
                    }
                    (Err(error), false) => {
                        writeln!(out, "error: {error}: valid formats are {}", format_names())?
                    }
                }
            }
            ("watch", seconds) => self.watch(seconds, out)?,
            ("unset", key) if key.starts_with('$') => {
                if self
                    .settings
                    .params
                    .remove(key.trim_start_matches('$'))
                    .is_none()
                {
                    writeln!(out, "error: no parameter {key} is set")?;
                }
            }
            ("unset", key) => {
                if let Err(error) = self.settings.unset(key) {
                    writeln!(out, "error: {error}")?;
                }
            }
            ("params", _) | ("param", "") => self.params(out)?,
            ("param", binding) => match binding.split_once('=') {
                Some((param, value)) if !param.trim().trim_start_matches('$').is_empty() => {
                    let param = param.trim().trim_start_matches('$').to_owned();
                    writeln!(out, "${param} = {}", value.trim())?;
                    self.settings.params.insert(param, value.trim().to_owned());
                }
                _ => writeln!(out, "error: write `.param NAME=VALUE`")?,
            },
            ("cost", "") => match self.last_query.clone() {
                Some(query) => self.cost(&query, out)?,
                None => writeln!(
                    out,
                    "no query yet: type one, then .cost shows what it takes to run"
                )?,
            },
            ("cost", _) => writeln!(out, "error: write `.cost` (it prices the last query)")?,
            ("compile", "") => match self.last_query.clone() {
                Some(query) => self.query(&query, true, out)?,
                None => writeln!(
                    out,
                    "no query yet: type one, then .compile shows its request"
                )?,
            },
            ("compile", flag) => match parse_on_off(flag) {
                Some(on) => {
                    self.settings.compile_only = on;
                    writeln!(out, "compile only: {}", on_off(on))?;
                }
                None => writeln!(
                    out,
                    "error: write `.compile`, `.compile on` or `.compile off`"
                )?,
            },
            ("describe", name) => {
                let dataset = self.dataset_or(name);
                let catalog = crate::live_catalog::catalog();
                match crate::live_catalog::describe(catalog, &dataset, None, None) {
                    Some(text) => self.show_long(text.as_bytes(), out)?,
                    None => writeln!(
                        out,
                        "error: unknown dataset `{dataset}`; {}",
                        suggest::closest_list(&dataset, catalog.dataset_names())
                    )?,
                }
            }
            ("functions", name) => {
                let dataset = self.dataset_or(name);
                let catalog = crate::live_catalog::catalog();
                if catalog.dataset(&dataset).is_none() {
                    writeln!(
                        out,
                        "error: unknown dataset `{dataset}`; {}",
                        suggest::closest_list(&dataset, catalog.dataset_names())
                    )?;
                } else {
                    let mut text = String::new();
                    for function in catalog.functions_in(&dataset) {
                        text.push_str(&crate::live_catalog::signature(function));
                        text.push('\n');
                    }
                    self.show_long(text.as_bytes(), out)?;
                }
            }
            (setting @ ("width" | "pager" | "expanded"), argument) => {
                writeln!(out, "{}", self.settings.display.command(setting, argument))?
            }
            ("timing", flag) => match parse_on_off(if flag.is_empty() { "on" } else { flag }) {
                Some(on) => {
                    self.settings.timing = on;
                    writeln!(out, "timing: {}", on_off(on))?;
                }
                None => writeln!(out, "error: write `.timing on` or `.timing off`")?,
            },
            (other, _) => {
                let dotted = format!(".{other}");
                match suggest::suggest(&dotted, COMMANDS) {
                    Some(near) => writeln!(
                        out,
                        "error: unknown command `{dotted}`: did you mean `{near}`? (.help lists them)"
                    )?,
                    None => writeln!(out, "error: unknown command `{dotted}` (.help lists them)")?,
                }
            }
        }
        Ok(Step::Continue)
    }

    /// `name`, else the session's default dataset, else `errors` (what FROM defaults to).
    fn dataset_or(&self, name: &str) -> String {
        if !name.is_empty() {
            return name.to_owned();
        }
        self.settings
            .dataset
            .as_ref()
            .map_or_else(|| String::from("errors"), |d| d.text.clone())
    }

    fn params(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.settings.params.is_empty() {
            return writeln!(out, "no parameters (set one with .param NAME=VALUE)");
        }
        for (name, value) in &self.settings.params {
            writeln!(out, "${name} = {value}")?;
        }
        Ok(())
    }
}
