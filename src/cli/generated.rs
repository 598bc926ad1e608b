//! Files generated from the clap definitions: shell completions (`restage completions SHELL`)
//! and the man page (`restage manpage`, hidden; run at release time: `restage manpage >
//! restage.1`).

use super::args::Cli;
use super::exit::ExitStatus;
use clap::CommandFactory;
use std::io::{self, Write};
use std::path::Path;

/// Print the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "restage", &mut buffer);
    out.write_all(&buffer)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Print the man page, `restage(1)`, in roff; or, with `dir`, write it and one page for each
/// subcommand it names (`restage-verify(1)`, ...) into that folder, so that no page refers to
/// one that is not there.
pub fn manpage(dir: Option<&Path>, out: &mut dyn Write) -> io::Result<ExitStatus> {
    let mut command = Cli::command();
    // Built, so that the generated `help` subcommand the page names is there too.
    command.build();
    let Some(dir) = dir else {
        let mut buffer = Vec::new();
        clap_mangen::Man::new(command).render(&mut buffer)?;
        out.write_all(&buffer)?;
        out.flush()?;
        return Ok(ExitStatus::Success);
    };
    std::fs::create_dir_all(dir)?;
    let mut pages = vec![("restage".to_string(), command.clone())];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("restage-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in pages {
        let mut buffer = Vec::new();
        clap_mangen::Man::new(page).render(&mut buffer)?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, buffer)?;
        writeln!(out, "{}", path.display())?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
