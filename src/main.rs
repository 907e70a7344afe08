//! The `lvs-dr-gen` binary: the command line of the library, whose outcome
//! becomes the exit code.

fn main() -> std::process::ExitCode {
    lvs_dr_gen::cli::run()
}
