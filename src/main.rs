//! The `restage` binary: arguments and standard streams in, exit code out. All the work is in
//! [`restage::cli::run`].

fn main() -> std::process::ExitCode {
    restage::cli::run(
        std::env::args_os(),
        &mut std::io::stdin().lock(),
        std::io::stdout().lock(),
        std::io::stderr().lock(),
    )
    .into()
}
