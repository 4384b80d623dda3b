//! A binary's command line, with its settings layered: built-in defaults, then the config file
//! (`--config` / `DIS_CONFIG`), then the environment, then flags. clap reads the environment and
//! the flags (so `--help` lists every setting with its variable); the file's values become the
//! defaults clap falls back to, and relative paths in the file are read from the file's folder.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command, Parser, ValueHint};

use crate::file::ConfigFile;
use crate::{known, report, SettingsError};

/// The parsed command line, and the config file it read, if any (an absolute path).
pub struct Parsed<C> {
    pub cli: C,
    pub config_file: Option<ConfigFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage error, or `--help` / `--version`: clap prints it.
    #[error(transparent)]
    Clap(#[from] clap::Error),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl CliError {
    /// Prints the error (or the help) and exits: 0 for help, 2 for a setting or usage error.
    pub fn exit(self) -> ! {
        match self {
            Self::Clap(error) => error.exit(),
            Self::Settings(error) => {
                eprintln!("{}", report::render(&error));
                std::process::exit(2)
            }
        }
    }
}

/// Parses this process's arguments; see the module.
pub fn parse<C: Parser>() -> Result<Parsed<C>, CliError> {
    parse_from::<C, _, _>(std::env::args_os())
}

pub fn parse_from<C, I, T>(argv: I) -> Result<Parsed<C>, CliError>
where
    C: Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut command = hide_secret_values(C::command());
    let config_file = match config_path(&command, &argv)? {
        Some(path) => Some(ConfigFile::read(&path)?),
        None => None,
    };
    if let Some(file) = &config_file {
        command = with_file_defaults(command, file)?;
    }
    let matches = command
        .clone()
        .try_get_matches_from(&argv)
        .map_err(|error| explain(&command, &argv, config_file.as_ref(), error))?;
    let cli = C::from_arg_matches(&matches)?;
    Ok(Parsed { cli, config_file })
}

/// `--config` or `DIS_CONFIG`, read before the file's values can be applied.
fn config_path(command: &Command, argv: &[OsString]) -> Result<Option<PathBuf>, clap::Error> {
    match command
        .clone()
        .ignore_errors(true)
        .try_get_matches_from(argv)
    {
        Ok(matches) => Ok(matches
            .try_get_one::<PathBuf>("config")
            .ok()
            .flatten()
            .cloned()),
        Err(e) if e.kind() == ErrorKind::DisplayVersion || e.kind() == ErrorKind::DisplayHelp => {
            Err(e)
        }
        // The real parse reports it.
        Err(_) => Ok(None),
    }
}

fn env_of(arg: &Arg) -> Option<&str> {
    arg.get_env().and_then(OsStr::to_str)
}

/// Secrets keep `[env: DIS_X=]` in `--help` (deployment checks read it) but never their value.
fn hide_secret_values(mut command: Command) -> Command {
    let secrets: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|arg| {
            let variable = env_of(arg).filter(|v| known::is_secret(v))?;
            Some((arg.get_id().to_string(), variable.to_owned()))
        })
        .collect();
    for (id, variable) in secrets {
        command = command.mut_arg(id, |arg| {
            let note = format!("[env: {variable}=]");
            let help = arg
                .get_help()
                .map_or_else(|| note.clone(), |h| format!("{h} {note}"));
            let long = arg.get_long_help().map(|h| format!("{h} {note}"));
            let arg = arg.hide_env(true).help(help);
            match long {
                Some(long) => arg.long_help(long),
                None => arg,
            }
        });
    }
    for_each_subcommand(command, hide_secret_values)
}

fn for_each_subcommand(mut command: Command, f: impl Fn(Command) -> Command + Copy) -> Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, f);
    }
    command
}

/// Every setting of the file becomes the default of the arguments reading its variable.
fn with_file_defaults(mut command: Command, file: &ConfigFile) -> Result<Command, SettingsError> {
    for entry in file.entries() {
        if entry.variable == "DIS_CONFIG" {
            return Err(SettingsError::ConfigFile {
                path: file.path().to_owned(),
                reason: "`config` cannot be set in a config file".into(),
            });
        }
        if !reads(&command, &entry.variable) {
            if known::is_setting(&entry.variable) {
                continue; // another binary's setting: the file is shared
            }
            return Err(SettingsError::ConfigFile {
                path: file.path().to_owned(),
                reason: format!(
                    "`{}` is not a dis-sync setting (there is no {}); is it misspelt?",
                    entry.key, entry.variable
                ),
            });
        }
        command = set_default(command, &entry.variable, &entry.value, file.folder());
    }
    Ok(command)
}

fn reads(command: &Command, variable: &str) -> bool {
    command.get_arguments().any(|a| env_of(a) == Some(variable))
        || command.get_subcommands().any(|s| reads(s, variable))
}

fn set_default(mut command: Command, variable: &str, value: &str, folder: &Path) -> Command {
    let targets: Vec<(String, String)> = command
        .get_arguments()
        .filter(|a| env_of(a) == Some(variable))
        .map(|a| (a.get_id().to_string(), from_folder(a, value, folder)))
        .collect();
    for (id, value) in targets {
        command = command.mut_arg(id, |arg| arg.default_value(value));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| set_default(sub, variable, value, folder));
    }
    command
}

/// A relative path in the file names a file next to it, whatever the working directory.
fn from_folder(arg: &Arg, value: &str, folder: &Path) -> String {
    let is_path = matches!(
        arg.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    );
    if is_path && Path::new(value).is_relative() {
        folder.join(value).to_string_lossy().into_owned()
    } else {
        value.to_owned()
    }
}

/// clap blames a flag for a bad value; when the value came from a variable or the file, name that.
fn explain(
    command: &Command,
    argv: &[OsString],
    file: Option<&ConfigFile>,
    error: clap::Error,
) -> CliError {
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return error.into();
    }
    let Some(ContextValue::String(flag)) = error.get(ContextKind::InvalidArg) else {
        return error.into();
    };
    let long = flag.trim_start_matches('-');
    let long = long.split([' ', '=']).next().unwrap_or(long).to_owned();
    let given = argv.iter().filter_map(|a| a.to_str()).any(|a| {
        a.strip_prefix("--")
            .is_some_and(|a| a == long || a.starts_with(&format!("{long}=")))
    });
    let variable = find_long(command, &long).and_then(|a| env_of(a).map(str::to_owned));
    let Some(variable) = variable.filter(|_| !given) else {
        return error.into();
    };
    let reason = reason(&error, &variable);
    if std::env::var_os(&variable).is_some() {
        return SettingsError::invalid(&variable, reason).into();
    }
    match file.and_then(|f| f.entries().iter().find(|e| e.variable == variable)) {
        Some(entry) => SettingsError::ConfigFile {
            path: file.map(|f| f.path().to_owned()).unwrap_or_default(),
            reason: format!("`{}`: {reason}", entry.key),
        }
        .into(),
        None => error.into(),
    }
}

fn find_long<'c>(command: &'c Command, long: &str) -> Option<&'c Arg> {
    command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .or_else(|| command.get_subcommands().find_map(|s| find_long(s, long)))
}

/// Why a value was refused, quoting it unless it is a secret.
fn reason(error: &clap::Error, variable: &str) -> String {
    let why = std::error::Error::source(error).map_or_else(
        || match error.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => format!("expected one of {}", valid.join(", ")),
            _ => "not a valid value".to_owned(),
        },
        ToString::to_string,
    );
    match error.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(value)) if !known::is_secret(variable) => {
            format!("{value:?} is not valid: {why}")
        }
        _ => why,
    }
}

#[cfg(test)]
mod tests;
