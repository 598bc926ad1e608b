//! The one shell lexer for RUN/CMD/ENTRYPOINT text and heredoc bodies, with two views.
//!
//! - [`lex`]: text → [`Token`](lex::Token)s (`Word | Op | Subst | Comment`) with byte ranges, by POSIX
//!   rules (see the module docs for the exact ones).
//! - [`parse`]: the planning view, text → [`CommandList`](command::CommandList): simple commands with their
//!   environment prefix, redirections, substitutions, source text and joining operator.
//! - [`unwrap`]: the detection view, built on `parse`: the commands a text runs, looking into
//!   substitutions, through wrappers (`sudo`, `env`) and into `sh -c '…'` scripts.
//!
//! restage never runs these commands; it only needs to recognise `npm ci` or
//! `apt-get install -y gcc` inside `RUN apt-get update && apt-get install -y gcc`.
//! Not a shell parser beyond that: expansions are left as written.

mod command;
pub mod lex;
pub mod unwrap;

pub use command::{Command, basename, parse};
pub use unwrap::{Commands, exec_command_into, simple_commands, simple_commands_into};

#[cfg(test)]
mod tests;

/// The heredoc bodies a RUN line runs as shell scripts, in order: of `heredocs` (each its
/// delimiter, quotes removed, and its body), those a command of `line` reads as a script
/// ([`Command::script_heredocs`]: `RUN <<EOF`, `RUN bash -e <<EOF`). Bodies fed to other
/// programs (`cat <<EOF > file`, `python3 <<EOF`) are data and left out.
pub fn script_bodies<'h>(
    line: &str,
    heredocs: impl IntoIterator<Item = (&'h str, &'h str)>,
) -> Vec<&'h str> {
    let commands = parse(line);
    let names: Vec<&str> = commands.iter().flat_map(Command::script_heredocs).collect();
    heredocs
        .into_iter()
        .filter(|(name, _)| names.contains(name))
        .map(|(_, body)| body)
        .collect()
}
