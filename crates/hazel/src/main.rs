use std::process::ExitCode;

fn main() -> ExitCode {
    hazel::cli::run()
}
