//! The runtime image, its system packages, and the user it runs as.

use super::*;

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// The distro family of a runtime image (`debian`, `alpine`, `distroless`, ...), from
    /// `_system.yaml`'s flavours; `debian` when none matches (the built-in flavours end with a
    /// catch-all that says the same). With [`SystemRules::runtime_installer`], it decides how
    /// the runtime installs packages.
    ///
    /// [`SystemRules::runtime_installer`]: crate::profile::SystemRules::runtime_installer
    pub(super) fn image_family(&self, image: &str) -> String {
        let (name, tag) = split_image(image);
        crate::detect::flavor_of(&name, tag.as_deref(), self.planner.input.registry.system())
            .0
            .unwrap_or_else(|| "debian".into())
    }

    /// The runtime image from the profile's map; a toolchain installed through the distro keeps
    /// the distro image.
    pub(super) fn runtime_image(&mut self) -> String {
        let input = self.planner.input;
        let profile = input.profile;
        let (name, _) = split_image(&self.builder_image);
        let official = profile
            .detect
            .images
            .iter()
            .any(|rule| crate::profile::schema::image_name_matches(&rule.image, &name));
        if let Some(flavour) = input.options.runtime_flavour.as_deref() {
            let choice = profile.runtime_choice(
                &self.builder_image,
                &input.detection.facts,
                &input.detection.versions,
                Some(flavour),
            );
            match choice {
                // A runtime prepared from the toolchain needs the toolchain image it was
                // written for, not a toolchain installed through the distro.
                Some(choice) if choice.prepare.is_none() || official => {
                    self.planner.decide(
                        format!("runtime image {}", choice.image),
                        format!("the {flavour} runtime flavour was asked for"),
                        0.9,
                    );
                    self.prepare = choice.prepare;
                    return choice.image;
                }
                Some(_) => self.planner.warn(
                    WarningCode::RuntimeFlavourUnavailable,
                    format!(
                        "the {} profile's {flavour} runtime is made from its toolchain images, and {} is not one of them; the default runtime is used",
                        profile.name, self.builder_image
                    ),
                    None,
                ),
                None => self.planner.warn(
                    WarningCode::RuntimeFlavourUnavailable,
                    format!(
                        "the {} profile has no {flavour} runtime that is safe for {}; the default runtime is used",
                        profile.name, self.builder_image
                    ),
                    None,
                ),
            }
        }
        let mapped = profile.runtime_choice(
            &self.builder_image,
            &input.detection.facts,
            &input.detection.versions,
            None,
        );
        match mapped {
            Some(RuntimeChoice { image, prepare })
                if official
                    || profile.runtime_images.rules.iter().any(|r| {
                        r.builder != "**"
                            && crate::profile::schema::image_name_matches(&r.builder, &name)
                    }) =>
            {
                self.planner.decide(
                    format!("runtime image {image}"),
                    format!(
                        "mapped from the builder image {} by the {} profile",
                        self.builder_image, profile.name
                    ),
                    0.9,
                );
                // Only a toolchain image has what a prepared runtime is made from.
                self.prepare = prepare.filter(|_| official);
                image
            }
            _ => {
                self.planner.decide(
                    format!("runtime image {} (the same base image)", self.builder_image),
                    "the toolchain was installed through the distro, so the runtime keeps the base image and drops the build-only packages",
                    0.75,
                );
                self.same_base = true;
                self.builder_image.clone()
            }
        }
    }

    /// System packages the runtime needs: the original's installs, build-only ones dropped or
    /// mapped to their runtime libraries.
    pub(super) fn runtime_packages(&mut self, family: &str, steps: &mut Vec<Step>) {
        let input = self.planner.input;
        let installers = &input.registry.system().installers;
        // Only a command named like an installer can install: most commands skip the scan.
        let names: Vec<&str> = installers
            .iter()
            .filter_map(|i| i.command.split_whitespace().next())
            .collect();
        let mut installs: Vec<(String, String)> = Vec::new();
        for entry in &self.planner.original.body {
            if !entry.inst.is("RUN") {
                continue;
            }
            for command in &entry.commands {
                if !names.contains(&command.program()) {
                    continue;
                }
                let owned = command.owned_words();
                let words = normalise_command(&owned);
                installs.extend(crate::detect::installed_packages(&words, installers));
            }
        }
        if installs.is_empty() {
            return;
        }
        let mut keep = Vec::new();
        let mut dropped = Vec::new();
        for (package, pkg_family) in &installs {
            match input.profile.runtime_package_for(package, Some(family)) {
                Some(RuntimePackage::Drop) => dropped.push(package.clone()),
                Some(RuntimePackage::Install(runtime)) => {
                    if runtime != *package {
                        self.planner.decide(
                            format!("runtime installs {runtime} instead of {package}"),
                            format!("{package} is only needed to build; {runtime} is what the app loads at run time"),
                            0.85,
                        );
                    }
                    keep.push(runtime)
                }
                None => keep.push(package.clone()),
            }
            let _ = pkg_family;
        }
        keep.sort();
        keep.dedup();
        if !dropped.is_empty() {
            dropped.sort();
            dropped.dedup();
            self.planner.decide(
                format!("runtime leaves out {}", dropped.join(", ")),
                "build-only system packages stay in the deps and build stages",
                0.85,
            );
        }
        if keep.is_empty() {
            return;
        }
        if family == "distroless" {
            self.planner.warn(
                WarningCode::RuntimePackagesMissing,
                format!(
                    "the distroless runtime cannot install {}; check the app does not need them",
                    keep.join(", ")
                ),
                None,
            );
            return;
        }
        let manager = self
            .planner
            .input
            .registry
            .system()
            .runtime_installer(family);
        steps.push(Step::Packages {
            manager: manager.to_string(),
            packages: keep,
        });
    }

    /// Run as a non-root user unless the original chose a user or needs root.
    pub(super) fn user(
        &mut self,
        units: &[Unit<'p>],
        image: &str,
        family: &str,
        steps: &mut Vec<Step>,
    ) {
        let has_user = units.iter().any(|u| u.entry.inst.is("USER"));
        for unit in units.iter().filter(|u| u.class == Class::UserSetup) {
            steps.push(unit.step(Vec::new()));
        }
        if has_user {
            return;
        }
        let low_port = self.planner.original.body_with("EXPOSE").any(|e| {
            e.inst.values().iter().any(|p| {
                p.split('/')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n < 1024)
            })
        });
        if low_port {
            self.planner.decide(
                "runtime keeps running as root",
                "the app listens on a port below 1024, which needs root",
                0.7,
            );
            return;
        }
        let app_dir = self.planner.original.final_workdir().map(str::to_string);
        let writes = self.app_writes(units, app_dir.as_deref());
        if !writes.unresolved.is_empty() {
            self.planner.decide(
                "runtime keeps running as root",
                "the app writes where restage cannot tell, and a non-root user could not",
                0.7,
            );
            self.planner.warn(
                WarningCode::WritesUnresolved,
                format!(
                    "the runtime keeps running as root because the app may write where restage cannot tell: {}; give that path to a non-root user by hand",
                    writes.unresolved.join("; ")
                ),
                None,
            );
            return;
        }
        let name = if image.contains("nonroot") {
            self.planner.decide(
                "runtime runs as the image's nonroot user",
                "the runtime image is built for it",
                0.9,
            );
            None
        } else {
            // The profile's user exists in the images it maps to, not in a distro base image.
            let known = if self.same_base {
                None
            } else {
                self.planner.input.profile.runtime_images.user.clone()
            };
            Some(match (known, family) {
                (Some(user), _) => user,
                (None, "distroless") => "nonroot".to_string(),
                _ => {
                    // Not `app`: newer .NET images already have a user called that.
                    steps.push(Step::CreateUser {
                        family: family.to_string(),
                        name: "appuser".into(),
                        uid: 10001,
                    });
                    "appuser".to_string()
                }
            })
        };
        let shown = name.clone().unwrap_or_else(|| "nonroot".into());
        if !writes.dirs.is_empty() {
            if family == "distroless" {
                self.planner.decide(
                    "runtime keeps running as root",
                    "the app writes to folders, and the distroless runtime has no shell to create them for a non-root user",
                    0.7,
                );
                self.planner.warn(
                    WarningCode::WritesUnresolved,
                    format!(
                        "the runtime keeps running as root because the app writes to {} and the distroless image cannot prepare them for a non-root user",
                        writes.dirs.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    None,
                );
                return;
            }
            let dirs: Vec<String> = writes.dirs.keys().cloned().collect();
            // The app folder itself gets only its own entry (new files beside the code), the
            // others recursively.
            let (own, nested): (Vec<&String>, Vec<&String>) = dirs.iter().partition(|d| {
                app_dir
                    .as_deref()
                    .is_some_and(|a| a.trim_end_matches('/') == d.as_str())
            });
            let mut parts = Vec::new();
            if !nested.is_empty() {
                let list: Vec<&str> = nested.iter().map(|d| d.as_str()).collect();
                parts.push(format!("mkdir -p {}", list.join(" ")));
                parts.push(format!("chown -R {shown} {}", list.join(" ")));
            }
            if !own.is_empty() {
                let list: Vec<&str> = own.iter().map(|d| d.as_str()).collect();
                parts.push(format!("chown {shown} {}", list.join(" ")));
            }
            steps.push(Step::Run {
                mounts: Vec::new(),
                command: parts.join(" && "),
                secret_env: Vec::new(),
            });
            for (dir, why) in &writes.dirs {
                self.planner.decide(
                    format!("the runtime user {shown} owns {dir}"),
                    why.clone(),
                    0.8,
                );
            }
        }
        self.planner.warn(
            WarningCode::UserChange,
            format!(
                "the runtime runs as the non-root user {shown}, the original as root: {}",
                if writes.dirs.is_empty() {
                    "restage found no folder the app writes to, so a write at run time fails with permission denied".to_string()
                } else {
                    format!(
                        "it owns {}; a write anywhere else fails with permission denied",
                        writes.dirs.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            ),
            None,
        );
        if let Some(name) = name {
            self.planner.decide(
                format!("runtime runs as the non-root user {name}"),
                "the original ran as root with no visible reason; files stay root-owned and read-only to the app",
                0.8,
            );
            steps.push(Step::User { name });
        }
    }
}
