//! Files generated from the clap definitions: shell completions (`restage completions SHELL`)
//! and the man page (`restage manpage`, hidden; run at release time: `restage manpage >
//! restage.1`).

use super::args::Cli;
use super::exit::ExitStatus;
use clap::CommandFactory;
use std::io::{self, Write};

/// Print the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "restage", &mut buffer);
    out.write_all(&buffer)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Print the man page, `restage(1)`, in roff.
pub fn manpage(out: &mut dyn Write) -> io::Result<ExitStatus> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buffer)?;
    out.write_all(&buffer)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}
