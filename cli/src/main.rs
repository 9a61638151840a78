//! The `accessgate` command: check, explain, lint and test accessgate models from the shell.
//!
//! Every subcommand reads JSON documents (a `PolicyDocument`, a scenario file, a `Request`) and
//! calls the library's public API; see `cli/README.md` for the whole manual.
//!
//! Exit status: 0 allow or pass, 1 deny or fail, 2 bad input.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod check;
mod explain;
mod html;
mod import;
mod input;
mod lint;
mod matrix;
mod schema;
mod test;
mod variants;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::input::InputError;

const EXIT_CODES: &str = "\
Exit status:
  0  allow, pass, no finding of error level
  1  deny, fail, an error-level finding (or changes, with `diff --exit-code`)
  2  bad input: an unreadable file, JSON that is not a model or request, a model that does
     not build, an unknown user or record, bad arguments";

/// Check, explain, lint and test accessgate authorization models.
///
/// MODEL is a JSON file: a policy document (keys `dataverse`, `flows`, `folders`), a scenario
/// file (its `model` is used) or a bare Dataverse model. `-` reads standard input.
#[derive(Debug, Parser)]
#[command(name = "accessgate", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Build a model and report every error (up to 50), each with its JSON path, line and
    /// column, the entries it involves, and a "did you mean" hint for a misspelt id or field.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The model file.
        model: String,
        /// Print a JSON object (`ok`, `error`, `systems`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Decide a request (or an array of requests) and print the decision with its full reason.
    #[command(after_help = EXIT_CODES)]
    Explain {
        /// The model file.
        model: String,
        /// A file holding the request JSON (`-` for standard input).
        #[arg(required_unless_present = "request", conflicts_with = "request")]
        request_file: Option<String>,
        /// The request as inline JSON, for example
        /// '{"kind": "record", "user": "alice", "privilege": "Read", "record": "a1"}'.
        #[arg(long, value_name = "JSON")]
        request: Option<String>,
        /// Print JSON objects (`decision`, `code`, `explanation`, `system`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one user's Dataverse effective access: tables × privileges with the level of each
    /// cell and the grants behind it.
    #[command(after_help = EXIT_CODES)]
    Matrix {
        /// The model file.
        model: String,
        /// The user id.
        #[arg(long)]
        user: String,
        /// Print the effective access as JSON.
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// Print one self-contained HTML page laid out like the Dataverse role editor.
        #[arg(long)]
        html: bool,
    },
    /// Show every user that can act on one Dataverse record, with each privilege and why.
    #[command(name = "who-can", after_help = EXIT_CODES)]
    WhoCan {
        /// The model file.
        model: String,
        /// The record id.
        #[arg(long)]
        record: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show what changes in Dataverse access between two models: cells and records gained or
    /// lost per user, with the causes.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// The model before the change.
        old: String,
        /// The model after the change.
        new: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Exit with status 1 when access changes.
        #[arg(long)]
        exit_code: bool,
    },
    /// Lint a model: the Dataverse role lint (AG000-AG009), flows nobody can start (AG101, AG102) and
    /// folders nobody administers (AG201).
    #[command(after_help = EXIT_CODES)]
    Lint {
        /// The model file.
        model: String,
        /// Print the findings as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schemas (draft 2020-12) of the model document, requests and responses, or
    /// write them to a directory (`schema/` of the repository holds them).
    #[command(after_help = EXIT_CODES)]
    Schema {
        /// Which schema to print; all of them, one JSON object keyed by file name, by default.
        #[arg(value_enum)]
        which: Option<schema::Which>,
        /// Write each schema to DIR/<name>.json instead of printing.
        #[arg(long, value_name = "DIR")]
        write: Option<String>,
    },
    /// Import an exported solution or a Web API dump into a model document, reporting every
    /// privilege, level or row that could not be mapped.
    #[command(subcommand)]
    Import(ImportSource),
    /// Run scenario files: each case's request against the file's model and its expected
    /// decision.
    #[command(after_help = EXIT_CODES)]
    Test {
        /// Scenario files.
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Output formats of `test`.
/// What `import` reads.
#[derive(Debug, Subcommand)]
enum ImportSource {
    /// An exported solution: an unpacked folder (`Roles/*.xml`, `Entities/*/Entity.xml`) or a
    /// solution `.zip` (its `customizations.xml`). Writes its tables and roles.
    #[command(after_help = EXIT_CODES)]
    Solution {
        /// The folder or zip file.
        path: String,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// A folder of Web API JSON payloads (`businessunits.json`, `systemusers.json`,
    /// `teams.json`, `teammembership.json`, `roles.json`, `systemuserroles.json`,
    /// `teamroles.json`, `principalobjectaccess.json`). Writes units, users, teams and role
    /// assignments over the solution's tables and roles.
    #[command(after_help = EXIT_CODES)]
    Webapi {
        /// The folder.
        dir: String,
        /// The solution (folder or zip) that defines the roles' privileges.
        #[arg(long, value_name = "DIR|ZIP")]
        solution: Option<String>,
        #[command(flatten)]
        out: ImportOutput,
    },
}

/// Where `import` writes.
#[derive(Debug, clap::Args)]
struct ImportOutput {
    /// Write the model document here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Write the report of unmapped items here instead of standard error.
    #[arg(long, value_name = "FILE")]
    report: Option<String>,
    /// Fail (exit 2) on the first item that cannot be mapped instead of reporting it.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per case, then `N passed, N failed`.
    Text,
    /// One JSON object with every file and case.
    Json,
    /// JUnit XML, one test suite per file.
    Junit,
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Allow, pass.
    Ok,
    /// Deny, fail.
    Fail,
    /// Bad input.
    BadInput,
}

impl Status {
    fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Fail => 1,
            Status::BadInput => 2,
        }
    }
}

/// What a command prints on standard output, and how it ends.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit status.
    pub status: Status,
}

impl Outcome {
    /// `stdout` and a status.
    pub fn new(stdout: String, status: Status) -> Self {
        Outcome {
            stdout,
            stderr: String::new(),
            status,
        }
    }
}

fn run(cli: Cli) -> Result<Outcome, InputError> {
    match cli.command {
        Command::Check { model, json } => Ok(check::run(&model, json)),
        Command::Explain {
            model,
            request_file,
            request,
            json,
        } => explain::run(&model, request_file.as_deref(), request.as_deref(), json),
        Command::Matrix {
            model,
            user,
            json,
            html,
        } => {
            let format = match (json, html) {
                (true, _) => matrix::Format::Json,
                (false, true) => matrix::Format::Html,
                (false, false) => matrix::Format::Text,
            };
            matrix::run(&model, &user, format)
        }
        Command::WhoCan {
            model,
            record,
            json,
        } => admin::who_can(&model, &record, json),
        Command::Diff {
            old,
            new,
            json,
            exit_code,
        } => admin::diff(&old, &new, json, exit_code),
        Command::Lint { model, json } => lint::run(&model, json),
        Command::Schema { which, write } => schema::run(which, write.as_deref()),
        Command::Import(source) => Ok(match source {
            ImportSource::Solution { path, out } => import::solution(&path, &output(&out)),
            ImportSource::Webapi { dir, solution, out } => {
                import::webapi(&dir, solution.as_deref(), &output(&out))
            }
        }),
        Command::Test { scenarios, format } => Ok(test::run(
            &scenarios,
            match format {
                Format::Text => test::Format::Text,
                Format::Json => test::Format::Json,
                Format::Junit => test::Format::Junit,
            },
        )),
    }
}

fn output(out: &ImportOutput) -> import::Output<'_> {
    import::Output {
        model: out.output.as_deref(),
        report: out.report.as_deref(),
        strict: out.strict,
    }
}

/// One `debug` event per decision, with its reason code (shown with `RUST_LOG=debug`).
pub fn trace_decision(response: &accessgate::Response) {
    tracing::debug!(
        decision = %response.decision(),
        code = response.code(),
        system = %response.reason().system(),
        "decision"
    );
}

fn main() -> ExitCode {
    // Events go to standard error and only when RUST_LOG asks (the default shows warnings),
    // so the command's own output is unchanged.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match run(cli) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(Status::BadInput.code());
        }
    };
    eprint!("{}", outcome.stderr);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`accessgate matrix … | head`) is not an error of the command.
    let _ = stdout
        .write_all(outcome.stdout.as_bytes())
        .and_then(|()| stdout.flush());
    ExitCode::from(outcome.status.code())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// The argument definitions are consistent (clap's own debug checks).
    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }
}
