//! The one way the tests run the binary: [`lvs_dr_gen`] starts a [`Run`],
//! a builder of the arguments, working directory and environment (after
//! casey/just's `Test`). [`Run::run`] runs the real `lvs-dr-gen` and checks
//! the exit status (0 unless told), standard output and standard error it
//! was told to expect, naming every mismatch at once; [`Run::output`] only
//! runs it, for callers that gather mismatches themselves (the golden
//! cases, the property tests).
//!
//! Every run has `COLUMNS` removed (clap would wrap `--help` to it) and
//! standard input closed: no command reads it, and one that started to
//! would see its end rather than wait.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

use super::{diff, text};

/// The binary under test, built by cargo for the integration tests.
const BINARY: &str = env!("CARGO_BIN_EXE_lvs-dr-gen");

/// `lvs-dr-gen ARGS`, to be configured, then run.
pub fn lvs_dr_gen<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Run {
        args: Vec::new(),
        dir: None,
        env: Vec::new(),
        under: Vec::new(),
        status: vec![0],
        stdout: None,
        stderr: None,
    }
    .args(args)
}

/// One run of the binary: what to run it with, and what it must print.
#[must_use = "a Run does nothing until .run(), .output() or .spawn()"]
#[derive(Debug, Clone)]
pub struct Run {
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    /// Variables to set (`Some`) or remove (`None`), in order.
    env: Vec<(OsString, Option<OsString>)>,
    /// A program and its arguments that run the binary (strace).
    under: Vec<OsString>,
    /// The exit codes `run` accepts.
    status: Vec<i32>,
    stdout: Option<String>,
    stderr: Option<String>,
}

impl Run {
    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    /// Runs in `dir` (else in the test's own working directory).
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Runs the binary as the last argument of `program` (such as
    /// `strace -e ...`), followed by its own arguments.
    pub fn under<I, S>(mut self, program: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.under = program
            .into_iter()
            .map(|arg| arg.as_ref().to_owned())
            .collect();
        self
    }

    /// The exit code [`Run::run`] expects (0 unless set).
    pub fn status(mut self, code: i32) -> Self {
        self.status = vec![code];
        self
    }

    /// The exit codes [`Run::run`] accepts, for a run whose outcome
    /// depends on the machine (`apply --dry-run`: 0 in sync, 1 drift).
    pub fn status_one_of(mut self, codes: &[i32]) -> Self {
        self.status = codes.to_vec();
        self
    }

    /// The exact standard output [`Run::run`] expects.
    pub fn stdout(mut self, expected: impl Into<String>) -> Self {
        self.stdout = Some(expected.into());
        self
    }

    /// The exact standard error [`Run::run`] expects.
    pub fn stderr(mut self, expected: impl Into<String>) -> Self {
        self.stderr = Some(expected.into());
        self
    }

    /// Runs the binary; fails the test, naming each mismatch, unless the
    /// exit code and the output set are what it printed.
    #[track_caller]
    pub fn run(self) -> Output {
        let output = self.output();
        self.check(&output);
        output
    }

    /// Runs the binary and returns what it did, checking nothing.
    pub fn output(&self) -> Output {
        let output = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.shown()));
        Output::from(output)
    }

    /// Starts the binary; [`Running::wait`] checks it as [`Run::run`] does.
    pub fn spawn(self) -> Running {
        let child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.shown()));
        Running { run: self, child }
    }

    fn command(&self) -> Command {
        let mut command = match self.under.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(BINARY);
                command
            }
            None => Command::new(BINARY),
        };
        command.args(&self.args).env_remove("COLUMNS");
        command.stdin(Stdio::null());
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }

    /// The command line, for messages.
    fn shown(&self) -> String {
        let words = self.under.iter().map(|arg| arg.to_string_lossy());
        let words = words
            .chain(std::iter::once("lvs-dr-gen".into()))
            .chain(self.args.iter().map(|arg| arg.to_string_lossy()));
        words.collect::<Vec<_>>().join(" ")
    }

    #[track_caller]
    fn check(&self, output: &Output) {
        let mut problems = Vec::new();
        if !output
            .status
            .code()
            .is_some_and(|code| self.status.contains(&code))
        {
            let expected: Vec<String> = self.status.iter().map(i32::to_string).collect();
            problems.push(format!(
                "exit status {}, expected {}",
                output.shown_status(),
                expected.join(" or ")
            ));
        }
        for (name, expected, actual) in [
            ("stdout", &self.stdout, &output.stdout),
            ("stderr", &self.stderr, &output.stderr),
        ] {
            if let Some(expected) = expected.as_ref().filter(|expected| *expected != actual) {
                problems.push(format!("{name} differs:\n{}", diff(expected, actual, name)));
            }
        }
        assert!(
            problems.is_empty(),
            "`{}`{}:\n{}\n--- stdout:\n{}--- stderr:\n{}",
            self.shown(),
            self.dir
                .as_ref()
                .map(|dir| format!(" in {}", dir.display()))
                .unwrap_or_default(),
            problems.join("\n"),
            output.stdout,
            output.stderr
        );
    }
}

/// A run started by [`Run::spawn`].
#[derive(Debug)]
pub struct Running {
    run: Run,
    child: Child,
}

impl Running {
    /// Waits for the run to end and checks it as [`Run::run`] does.
    #[track_caller]
    pub fn wait(self) -> Output {
        let output = Output::from(self.child.wait_with_output().expect("wait for lvs-dr-gen"));
        self.run.check(&output);
        output
    }
}

/// What a run did: its exit status, and its output as text (invalid UTF-8
/// shown as U+FFFD).
#[derive(Debug, Clone)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// The exit code; fails the test if the run was killed by a signal.
    #[track_caller]
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("{}:\n{}", self.shown_status(), self.stderr))
    }

    fn shown_status(&self) -> String {
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => code.to_string(),
            (None, Some(signal)) => format!("none: killed by signal {signal}"),
            (None, None) => "unknown".to_owned(),
        }
    }
}

impl From<std::process::Output> for Output {
    fn from(output: std::process::Output) -> Self {
        Output {
            status: output.status,
            stdout: text(&output.stdout),
            stderr: text(&output.stderr),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::lvs_dr_gen;

    /// The message `check` fails with; it must fail.
    fn failure(check: impl FnOnce()) -> String {
        let payload = catch_unwind(AssertUnwindSafe(check)).expect_err("the run must fail");
        payload
            .downcast::<String>()
            .map(|message| *message)
            .unwrap_or_default()
    }

    /// The builder's negative control: a run as pinned passes; each
    /// mismatch of exit code, stdout and stderr fails it, all named at once.
    #[test]
    fn a_run_fails_on_each_mismatch_it_was_told_to_check() {
        let version = format!("lvs-dr-gen {}\n", env!("CARGO_PKG_VERSION"));
        lvs_dr_gen(["--version"]).stdout(&version).stderr("").run();
        let message = failure(|| {
            lvs_dr_gen(["--version"])
                .status(2)
                .stdout("lvs-dr-gen 0.0.0\n")
                .stderr("no")
                .run();
        });
        assert!(
            message.starts_with("`lvs-dr-gen --version`:\nexit status 0, expected 2\n")
                && message.contains("stdout differs:\n--- expected/stdout\n+++ actual/stdout\n")
                && message.contains("stderr differs:\n--- expected/stderr\n+++ actual/stderr\n"),
            "{message}"
        );
        let message = failure(|| {
            lvs_dr_gen(["no-such-command"]).run();
        });
        assert!(message.contains("exit status 2, expected 0"), "{message}");
    }
}
