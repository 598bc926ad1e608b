//! The distro packages a simple command installs (`apt-get install`, `apk add`), read with the
//! installers of `_system.yaml`.

use crate::profile::Installer;

/// The packages a simple command installs through a distro installer, with the family.
pub fn installed_packages(words: &[String], installers: &[Installer]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for found in installed_by(words, &InstallerWords::new(installers)) {
        out.push((found.0.to_string(), found.1.family.clone()));
    }
    out
}

/// Installers split into their command name and verb once.
pub(crate) struct InstallerWords<'i>(Vec<(&'i str, &'i str, &'i Installer)>);

impl<'i> InstallerWords<'i> {
    pub fn new(installers: &'i [Installer]) -> Self {
        Self(
            installers
                .iter()
                .filter_map(|installer| {
                    let mut parts = installer.command.split_whitespace();
                    Some((parts.next()?, parts.next()?, installer))
                })
                .collect(),
        )
    }
}

/// The packages a simple command installs (as written in `words`) with their installer.
pub(crate) fn installed_by<'w, 'i, W: AsRef<str>>(
    words: &'w [W],
    installers: &InstallerWords<'i>,
) -> Vec<(&'w str, &'i Installer)> {
    let mut out = Vec::new();
    let Some(first) = words.first().map(W::as_ref) else {
        return out;
    };
    for &(name, verb, installer) in &installers.0 {
        if first != name {
            continue;
        }
        // Options may come before the verb (`apt-get -y install`, `apk --no-cache add`).
        let mut i = 1;
        while i < words.len() && words[i].as_ref().starts_with('-') {
            i += 1;
        }
        if words.get(i).map(W::as_ref) != Some(verb) {
            continue;
        }
        i += 1;
        while i < words.len() {
            let w = words[i].as_ref();
            if w.starts_with('-') {
                let takes_value = installer.options_with_value.iter().any(|o| o == w);
                i += if takes_value { 2 } else { 1 };
                continue;
            }
            let pkg = w
                .split(['=', '~', '@'])
                .next()
                .unwrap_or(w)
                .trim_end_matches(['>', '<']);
            if !pkg.is_empty() && !pkg.contains('$') && !pkg.contains('/') {
                out.push((pkg, installer));
            }
            i += 1;
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_installed_packages() {
        let installers = vec![
            Installer {
                command: "apk add".into(),
                family: "alpine".into(),
                options_with_value: vec!["--virtual".into()],
                runtime: true,
            },
            Installer {
                command: "apt-get install".into(),
                family: "debian".into(),
                options_with_value: vec![],
                runtime: false,
            },
        ];
        let words: Vec<String> =
            "apk add --no-cache --virtual .build-deps gcc musl-dev=1.2 rust cargo"
                .split_whitespace()
                .map(String::from)
                .collect();
        let pkgs: Vec<String> = installed_packages(&words, &installers)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(pkgs, ["gcc", "musl-dev", "rust", "cargo"]);
        let words: Vec<String> = "apt-get -y install --no-install-recommends python3 python3-pip"
            .split_whitespace()
            .map(String::from)
            .collect();
        assert_eq!(installed_packages(&words, &installers).len(), 2);
    }
}
