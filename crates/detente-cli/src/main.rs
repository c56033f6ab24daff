//! The `detente` command-line tool: glue over `detente-core` and `detente-formats`.
//!
//! `main` only parses arguments, sets up the thread pool and maps errors to exit codes:
//! 0 success, 1 failure (bad scenario, IO), 2 usage error. Each subcommand lives in `cmd/`.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cmd::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (e.g. `detente run … | head`) is not a failure.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("detente: error: {}", cmd::printable(&format!("{e:#}")));
            ExitCode::from(if e.downcast_ref::<cmd::UsageError>().is_some() {
                2
            } else {
                1
            })
        }
    }
}
