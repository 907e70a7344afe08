//! The program from end to end: parse the command line, run the command,
//! print its outcome in the chosen format, and turn it into the exit
//! status. The only place where output reaches the terminal.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::ExitStatus;
use crate::{commands, report};

/// Runs the program with the process's arguments; its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let (outcome, format) = commands::run(cli.command);
    let mut out = Forgiving(io::BufWriter::new(io::stdout().lock()));
    let mut err = Forgiving(io::stderr().lock());
    let printed = report::renderer(format).render(&outcome, &mut out, &mut err);
    let _ = out.flush();
    match printed {
        Ok(()) => outcome.status().into(),
        Err(error) => {
            let _ = writeln!(err, "error: cannot print the result: {error}");
            ExitStatus::Trouble.into()
        }
    }
}

/// A stream whose write errors are dropped: a closed pipe (`check | head`)
/// is not worth a panic or an error, and the exit status still tells.
struct Forgiving<W>(W);

impl<W: Write> Write for Forgiving<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}
