//! `_system.yaml`: the knowledge shared by every profile.

use super::SystemPackages;
use serde::{Deserialize, Serialize};

/// Knowledge shared by every profile (`language-profiles/_system.yaml`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SystemRules {
    /// What this file is.
    pub description: String,
    /// Commands that install distro packages.
    pub installers: Vec<Installer>,
    /// Words that wrap a command (`sudo`, `env`, `exec`); skipped before matching. `sh`/`bash`
    /// with `-c` are looked into.
    pub command_prefixes: Vec<String>,
    /// Folders never scanned for evidence or facts (committed `node_modules/`, `target/`).
    pub skip_dirs: Vec<String>,
    /// How to tell the distro family and release of an image.
    pub flavors: Vec<Flavor>,
    /// Build-only packages and runtime mappings shared by all profiles (appended to each
    /// profile's own).
    pub system_packages: SystemPackages,
    /// Runtime folders shared by all profiles (appended).
    pub runtime_files: Vec<String>,
    /// The tools a start command or health check may call, and which images have them.
    #[serde(default)]
    pub runtime_tools: RuntimeTools,
    /// `.dockerignore` lines shared by all profiles (appended).
    pub dockerignore: Vec<String>,
    /// Scoring thresholds for detection.
    pub scoring: Scoring,
    /// What holds a credential: build arguments and variables, and files.
    #[serde(default)]
    pub secrets: SecretRules,
    /// Folders apps write to next to their code, shared by all profiles (appended to each
    /// profile's `writes`).
    #[serde(default)]
    pub writes: Vec<WriteRule>,
}

/// What holds a credential, for moving it into a BuildKit secret mount and for checking that
/// no output leaves one in a layer.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretRules {
    /// Globs on `ARG`/`ENV` names that hold a credential (`*TOKEN*`, `*PASSWORD*`).
    pub variables: Vec<String>,
    /// Files that hold credentials.
    pub files: Vec<CredentialFile>,
    /// Command rules (`git config --global`) that store their arguments in a configuration
    /// file, so a credential given to them stays in the RUN's layer.
    #[serde(default)]
    pub persist: Vec<String>,
}

/// A credentials file, by name.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CredentialFile {
    /// Glob on the file name, without folders (`.npmrc`, `*.pem`); matched case-insensitively.
    pub name: String,
    /// Texts that show the file holds a literal credential (`_authToken=`); a file with none of
    /// them (only `${NPM_TOKEN}`, say) is plain configuration. Empty: the file always does.
    #[serde(default)]
    pub holds: Vec<String>,
}

impl CredentialFile {
    /// Whether `name` (a path or file name) is this kind of file.
    pub fn matches_name(&self, path: &str) -> bool {
        let name = path
            .bytes()
            .rposition(|b| b == b'/')
            .map_or(path, |slash| &path[slash + 1..]);
        self.matches_file_name(name)
    }

    /// [`Self::matches_name`] for a file name already split from its folders (no `/`).
    pub fn matches_file_name(&self, name: &str) -> bool {
        crate::profile::pattern::glob_ignore_ascii_case(&self.name, name)
    }

    /// Whether `content` holds a literal credential: one of `holds` followed by something that
    /// is not a variable reference.
    pub fn holds_secret(&self, content: &str) -> bool {
        if self.holds.is_empty() {
            return true;
        }
        self.holds.iter().any(|h| {
            content.match_indices(h.as_str()).any(|(at, _)| {
                let rest = content[at + h.len()..].trim_start_matches(['"', '\'', ' ']);
                !rest.is_empty() && !rest.starts_with('$') && !rest.starts_with('\n')
            })
        })
    }
}

/// A folder an app writes to at run time, found from the sources.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WriteRule {
    /// The folder, relative to the app folder (`instance`, `.next/cache`); `.` is the app
    /// folder itself (a SQLite file next to the code).
    pub dir: String,
    /// How the names of the context files whose text shows the write end (`.py`).
    pub files: Vec<String>,
    /// Texts, any of which in one of `files` shows the write (`instance_path`, `MEDIA_ROOT`).
    pub contains: Vec<String>,
    /// Why the app writes there, for the decision.
    pub note: String,
}

/// Tools the runtime's own instructions call (HEALTHCHECK, CMD, ENTRYPOINT, an entrypoint
/// script): how to install them, and which runtime images already have them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeTools {
    /// The tools restage looks for, with their package (empty: cannot be installed, `sh`).
    pub tools: Vec<Tool>,
    /// What runtime images have; the first matching rule wins.
    pub images: Vec<ImageTools>,
    /// The runtime flavour asked of the profile when a shell-less image (distroless) would
    /// lack a tool it cannot install (`slim`).
    pub flavour: String,
}

/// A tool and the distro package that provides it (the same name on apt and apk).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub package: String,
}

/// The tools images have: by image name glob and tag glob, or by distro family.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageTools {
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    pub has: Vec<String>,
}

impl RuntimeTools {
    /// The tools an image has (name, tag, family), from the first matching rule.
    pub fn present(&self, name: &str, tag: Option<&str>, family: &str) -> &[String] {
        self.images
            .iter()
            .find(|r| {
                r.image
                    .as_deref()
                    .is_none_or(|g| crate::profile::schema::image_name_matches(g, name))
                    && r.tag
                        .as_deref()
                        .is_none_or(|g| crate::profile::pattern::glob(g, tag.unwrap_or("latest")))
                    && r.family.as_deref().is_none_or(|f| f == family)
            })
            .map_or(&[], |r| &r.has[..])
    }

    /// The tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name == name)
    }
}

/// A distro package installer command.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Installer {
    /// The command words (`apt-get install`, `apk add`), matched as a prefix after the command
    /// name's options.
    pub command: String,
    /// The distro family it belongs to (`debian`, `alpine`, `rhel`).
    pub family: String,
    /// Options that take a separate value (`--virtual .build-deps`).
    #[serde(default)]
    pub options_with_value: Vec<String>,
    /// Whether the packages a runtime stage of this family needs are installed with this
    /// installer's program (`apt`, `apk`, `microdnf`), which `templates/step/packages.j2` turns
    /// into its install line. At most one per family; see [`SystemRules::runtime_installer`].
    #[serde(default)]
    pub runtime: bool,
}

impl Installer {
    /// The program that runs the installer: the first word of its command (`apt-get`).
    pub fn program(&self) -> &str {
        self.command.split_whitespace().next().unwrap_or("")
    }
}

impl SystemRules {
    /// The package manager (a program name) a runtime stage of a distro family installs
    /// packages with: the program of that family's `runtime` installer, else of the first
    /// `runtime` installer, the default for families without their own (Ubuntu's images are
    /// Debian's: `apt`). Empty only when no installer is marked, which loading rejects.
    pub fn runtime_installer(&self, family: &str) -> &str {
        let mut runtime = self.installers.iter().filter(|i| i.runtime);
        let default = runtime.clone().next();
        runtime
            .find(|i| i.family == family)
            .or(default)
            .map_or("", Installer::program)
    }
}

/// A distro flavour rule. `word` is a capture pattern matched against each `-`-separated word of
/// the image tag (`alpine{version}`, `bookworm`); `image` a glob on the image name (the tag is
/// then the release when `release_from_tag`). Tag words are tried first, then image names.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flavor {
    /// Capture pattern on one `-`-separated word of the tag.
    #[serde(default)]
    pub word: Option<String>,
    /// Glob on the normalised image name.
    #[serde(default)]
    pub image: Option<String>,
    /// The distro family (`debian`, `ubuntu`, `alpine`, `rhel`).
    pub family: String,
    /// A fixed release (`bookworm`); a `{version}` hole in `word` captures it instead.
    #[serde(default)]
    pub release: Option<String>,
    /// For `image` rules: the tag is the release (`ubuntu:22.04` → `22.04`).
    #[serde(default)]
    pub release_from_tag: bool,
}

/// Detection thresholds.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Below this total the winner is not trusted: profile null.
    pub min_score: f64,
    /// A total at or above this gives full strength to the confidence.
    pub strong_score: f64,
    /// Files under the context root count fully up to this depth; deeper stray files count half.
    pub full_depth: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installer(command: &str, family: &str, runtime: bool) -> Installer {
        Installer {
            command: command.into(),
            family: family.into(),
            options_with_value: Vec::new(),
            runtime,
        }
    }

    #[test]
    fn the_runtime_installer_is_the_familys_marked_one_else_the_first_marked() {
        let system = SystemRules {
            installers: vec![
                installer("apt-get install", "debian", false),
                installer("apt install", "debian", true),
                installer("apk add", "alpine", true),
                installer("dnf install", "rhel", false),
                installer("microdnf install", "rhel", true),
                installer("zypper install", "suse", false),
            ],
            ..SystemRules::default()
        };
        assert_eq!(system.runtime_installer("debian"), "apt");
        assert_eq!(system.runtime_installer("alpine"), "apk");
        assert_eq!(system.runtime_installer("rhel"), "microdnf");
        // No runtime installer of their own: the first marked one.
        assert_eq!(system.runtime_installer("ubuntu"), "apt");
        assert_eq!(system.runtime_installer("suse"), "apt");
        assert_eq!(system.runtime_installer(""), "apt");
        assert_eq!(SystemRules::default().runtime_installer("debian"), "");
    }

    #[test]
    fn an_installers_program_is_its_first_word() {
        assert_eq!(
            installer("apt-get install", "debian", false).program(),
            "apt-get"
        );
        assert_eq!(installer("  apk   add", "alpine", true).program(), "apk");
        assert_eq!(installer("", "x", false).program(), "");
    }
}
