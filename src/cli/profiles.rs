//! `restage profiles` (list the profiles) and `restage profiles show NAME` (the effective one).

use super::args::{ProfilesArgs, ProfilesCommand, SimpleFormat};
use super::exit::ExitStatus;
use crate::profile::Registry;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Debug, Serialize)]
struct ListJson<'a> {
    profiles: Vec<ProfileLine<'a>>,
}

#[derive(Debug, Serialize)]
struct ProfileLine<'a> {
    name: &'a str,
    description: &'a str,
    /// The file it came from: built in (`language-profiles/<name>.yaml`) or `--profiles-dir`.
    origin: Option<&'a str>,
}

/// Run `restage profiles`.
pub fn run(
    args: &ProfilesArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let registry = match Registry::load(args.profiles_dir.as_deref()) {
        Ok(registry) => registry,
        Err(error) => {
            writeln!(err, "{error}")?;
            return Ok(ExitStatus::Error);
        }
    };
    match &args.command {
        None => list(&registry, args.format, out)?,
        Some(ProfilesCommand::Show { name }) => {
            let Some(profile) = registry.get(name) else {
                let known: Vec<&str> = registry.names().collect();
                writeln!(
                    err,
                    "restage: no profile called `{name}` (known: {})",
                    known.join(", ")
                )?;
                return Ok(ExitStatus::Error);
            };
            match args.format {
                SimpleFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, profile)?;
                    writeln!(out)?;
                }
                SimpleFormat::Text => {
                    if let Some(origin) = registry.origin(name) {
                        writeln!(out, "# {name}: from {origin}, merged with _system.yaml")?;
                    }
                    let yaml = serde_saphyr::to_string(profile).map_err(io::Error::other)?;
                    out.write_all(yaml.as_bytes())?;
                    if !yaml.ends_with('\n') {
                        writeln!(out)?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

fn list(registry: &Registry, format: SimpleFormat, out: &mut dyn Write) -> io::Result<()> {
    let lines: Vec<ProfileLine<'_>> = registry
        .iter()
        .map(|p| ProfileLine {
            name: &p.name,
            description: &p.description,
            origin: registry.origin(&p.name),
        })
        .collect();
    match format {
        SimpleFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &ListJson { profiles: lines })?;
            writeln!(out)?;
        }
        SimpleFormat::Text => {
            let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
            for line in &lines {
                let description = line
                    .description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                writeln!(out, "{:<width$}  {description}", line.name)?;
            }
        }
    }
    Ok(())
}
