//! The harness: runs the real `detente` binary in a temporary directory and captures what it
//! does. Every run is checked for the two things no command may ever do: panic, or die from a
//! signal.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The binary under test, built by cargo for this test run.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_detente");

/// A file of the repository, e.g. `scenarios/ukraine-2025.toml`.
pub(crate) fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The flagship scenario, as an absolute path string.
pub(crate) fn flagship() -> String {
    let p = repo_file("scenarios/ukraine-2025.toml");
    assert!(
        p.is_file(),
        "the flagship scenario is missing at {}",
        p.display()
    );
    p.to_str().expect("a UTF-8 path").to_string()
}

/// A temporary working directory that scenario files are written into; removed on drop.
pub(crate) struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub(crate) fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new()
                .prefix("detente-it-")
                .tempdir()
                .expect("cannot create a temp dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `text` to `name` inside the directory and returns the full path.
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).expect("cannot write a scenario file");
        p
    }

    /// Runs `detente ARGS...` with this directory as the working directory.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }
}

/// What one run of the binary did.
pub(crate) struct Output {
    pub(crate) args: Vec<String>,
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clip = |s: &str| -> String {
            if s.chars().count() > 3000 {
                format!(
                    "{}… ({} bytes in all)",
                    s.chars().take(3000).collect::<String>(),
                    s.len()
                )
            } else {
                s.to_string()
            }
        };
        writeln!(f, "$ detente {}", self.args.join(" "))?;
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", clip(&self.stdout))?;
        write!(f, "--- stderr ---\n{}", clip(&self.stderr))
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Checks that hold for every run whatever the command: no panic, no death by signal.
fn check_sane(o: &Output) {
    assert!(!o.stderr.contains("panicked"), "detente panicked:\n{o}");
    assert!(
        !o.stderr.contains("RUST_BACKTRACE"),
        "detente panicked:\n{o}"
    );
    assert!(o.code.is_some(), "detente was killed by a signal:\n{o}");
}

/// Runs `detente ARGS...` in `cwd`.
pub(crate) fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cannot start the detente binary");
    let o = Output {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is not UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is not UTF-8"),
    };
    check_sane(&o);
    o
}

/// Runs `detente ARGS...` with its stdout already closed by the reader (as in `detente … | head`
/// once `head` has exited) and returns the exit code and stderr.
pub(crate) fn run_with_closed_stdout(cwd: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the detente binary");
    // Close the read end at once: every write the child makes fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("cannot wait for detente");
    let o = Output {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8(out.stderr).expect("stderr is not UTF-8"),
    };
    check_sane(&o);
    o
}

impl Output {
    /// Asserts exit code 0 and returns self.
    #[track_caller]
    pub(crate) fn success(self) -> Output {
        assert_eq!(self.code, Some(0), "expected success:\n{self}");
        self
    }

    /// Asserts exit code `code` and an empty stdout.
    #[track_caller]
    pub(crate) fn failure(self, code: i32) -> Output {
        assert_eq!(self.code, Some(code), "expected exit code {code}:\n{self}");
        assert!(
            self.stdout.is_empty(),
            "a failing command must print nothing on stdout:\n{self}"
        );
        assert!(
            !self.stderr.trim().is_empty(),
            "a failing command must say why on stderr:\n{self}"
        );
        self
    }

    /// Stdout parsed as one JSON value.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{self}"))
    }

    /// Asserts stderr contains every one of `needles`.
    #[track_caller]
    pub(crate) fn stderr_has(&self, needles: &[&str]) -> &Output {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}:\n{self}"
            );
        }
        self
    }

    /// Asserts stdout contains every one of `needles`.
    #[track_caller]
    pub(crate) fn stdout_has(&self, needles: &[&str]) -> &Output {
        for n in needles {
            assert!(
                self.stdout.contains(n),
                "stdout should mention {n:?}:\n{self}"
            );
        }
        self
    }
}

/// The 1-based number of the line holding the `nth` (from 1) occurrence of `needle`.
#[track_caller]
pub(crate) fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    let pos = text
        .match_indices(needle)
        .nth(nth - 1)
        .unwrap_or_else(|| panic!("{needle:?} occurs fewer than {nth} times in the scenario"))
        .0;
    text[..pos].matches('\n').count() + 1
}

#[path = "../../../detente-formats/tests/it/shared_dir.rs"]
mod shared;
pub(crate) use shared::shared_dir;
