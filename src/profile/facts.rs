//! The facts detection finds for the rewrite (binary name, lockfiles, package.json scripts,
//! ...), and the `{placeholder}` templates of the profiles they fill. They live with the
//! profiles, below detection, because the profile schema renders its templates from them.

use serde::Serialize;
use std::collections::BTreeMap;

/// Facts for the rewrite, filled by the winning profile's `facts` probes and generic checks.
/// Look values up by name with [`Facts::get`] / [`Facts::flag`], or fill templates with
/// [`Facts::render`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Facts {
    /// The builder image as written after `ARG` substitution (`golang:1.22-alpine`).
    pub builder_image: Option<String>,
    /// The builder's distro family: `debian`, `ubuntu`, `alpine`, `rhel`, ...
    pub image_family: Option<String>,
    /// The builder's distro release when visible (`bookworm`, `3.19`, `22.04`).
    pub image_release: Option<String>,
    /// The binary/assembly/artifact name (Cargo `[[bin]]` or package name, csproj AssemblyName
    /// or file stem, pom artifactId, Gradle rootProject.name, go `-o` or module name).
    pub binary: Option<String>,
    /// The artifact version (pom `version`, Gradle `version`).
    pub artifact_version: Option<String>,
    /// pom `packaging`.
    pub packaging: Option<String>,
    /// pom `build/finalName`, Gradle `archiveFileName` without `.jar`.
    pub final_name: Option<String>,
    /// Go: `import "C"` somewhere in the context (or `CGO_ENABLED=1` in the Dockerfile).
    pub uses_cgo: bool,
    /// .NET: a project uses `Microsoft.NET.Sdk.Web`.
    pub web_sdk: bool,
    /// A workspace / multi-module layout (Cargo workspace, npm workspaces, Maven modules, ...).
    pub workspace: bool,
    /// Lockfiles of the chosen package manager that exist (in the context or named by COPY).
    pub lockfiles: Vec<String>,
    /// Whether any lockfile of the chosen package manager exists.
    pub has_lockfile: bool,
    /// The wrapper script of the chosen package manager, when present (`mvnw`, `gradlew`).
    pub wrapper: Option<String>,
    /// The command that runs the package manager: `./mvnw` with a wrapper, else its executable.
    pub exe: Option<String>,
    /// Dependency manifests of the chosen package manager found in the context.
    pub manifests: Vec<String>,
    /// package.json `scripts`.
    pub scripts: BTreeMap<String, String>,
    /// package.json `dependencies` (names).
    pub dependencies: Vec<String>,
    /// package.json `devDependencies` (names).
    pub dev_dependencies: Vec<String>,
    /// Other facts from profile probes (`spring_boot`, `django`, `module`, ...).
    pub extra: BTreeMap<String, String>,
    /// Facts the project sets in a way restage cannot read certainly (a computed version, a
    /// `${property}` from a build profile): unset, and templates naming them do not resolve.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<String>,
}

impl Facts {
    /// A fact as text by name (`binary`, `final_name`, `exe`, `image_release`, an `extra` name,
    /// booleans as `"true"` when set).
    pub fn get(&self, name: &str) -> Option<String> {
        let bool_text = |b: bool| b.then(|| "true".to_string());
        match name {
            "builder_image" => self.builder_image.clone(),
            "image_family" => self.image_family.clone(),
            "image_release" | "release" => self.image_release.clone(),
            "binary" | "assembly" | "artifact_id" => self.binary.clone(),
            "artifact_version" => self.artifact_version.clone(),
            "packaging" => self.packaging.clone(),
            "final_name" => self.final_name.clone(),
            "wrapper" => self.wrapper.clone(),
            "exe" => self.exe.clone(),
            "uses_cgo" => bool_text(self.uses_cgo),
            "web_sdk" => bool_text(self.web_sdk),
            "workspace" => bool_text(self.workspace),
            "has_lockfile" => bool_text(self.has_lockfile),
            other => self.extra.get(other).cloned(),
        }
    }

    /// Whether `template` names a fact in [`Facts::uncertain`].
    pub fn names_uncertain(&self, template: &str) -> bool {
        self.uncertain
            .iter()
            .any(|name| template.contains(&format!("{{{name}}}")))
    }

    /// Whether a boolean fact is set (any non-empty value other than `false`).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
    }

    /// Fill `{name}` placeholders from the facts; `None` when one does not resolve.
    pub fn render(&self, template: &str) -> Option<String> {
        self.render_with(template, &BTreeMap::new())
    }

    /// Like [`Facts::render`], also resolving `{versions.<tool>}`.
    pub fn render_with(
        &self,
        template: &str,
        versions: &BTreeMap<String, String>,
    ) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after.find('}')?;
            let key = &after[..end];
            let value = match key.strip_prefix("versions.") {
                Some(tool) => versions.get(tool).cloned(),
                None => self.get(key),
            };
            out.push_str(&value?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}
