//! The `lvs-dr-gen` binary: the library's program, whose outcome becomes
//! the exit code.

fn main() -> std::process::ExitCode {
    lvs_dr_gen::app::run()
}
