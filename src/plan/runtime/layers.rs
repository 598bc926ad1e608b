//! Layered jars (Spring Boot): the build stage extracts the jar's layers and the runtime
//! copies them one by one, least-changing first, then starts the launcher class instead of
//! `java -jar`. A code change then rebuilds and ships only the application layer.
//!
//! The profile's `layers` say when a jar is layered and how, by version. Only a start command
//! that runs the jar itself with `java … -jar <the jar>` in exec-safe words is changed; any
//! other (a script, `$JAVA_OPTS`) keeps the fat jar.

use super::*;

impl RuntimeBuilder<'_, '_, '_> {
    /// When the jar is layered and the start command runs it: the extraction step added to the
    /// build stage, and the runtime's copies of the layers (instead of the jar's copy).
    pub(super) fn jar_layers(
        &mut self,
        side: &mut BuildSide,
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
        artifact: &Artifact,
        workdir: &Option<String>,
    ) -> Option<Vec<Step>> {
        let profile = self.planner.input.profile;
        let layers = profile.layers.as_ref()?;
        let facts = &self.planner.input.detection.facts;
        let layer_rule = layers.rule_for(facts)?;
        // The layers go in the runtime's working directory, where the launcher finds them.
        let dir = workdir.as_deref()?;
        if !artifact.source.ends_with(".jar") {
            return None;
        }
        let words: Vec<String> = match rule.and_then(|r| r.exec.clone()) {
            Some(exec) => exec,
            None => start.words.clone(),
        };
        let at = jar_option(&words)?;
        let jar = &words[at + 1];
        let runs_artifact = jar == "{artifact}" || {
            let resolved = resolve(Some(dir), jar);
            resolved == artifact.source
                || resolved == artifact.dest
                || self.names_artifact(jar, Some(dir), &artifact.source)
        };
        if !runs_artifact || words.iter().any(|w| w.contains('$')) {
            return None;
        }
        let destination = layers.destination.trim_end_matches('/');
        let extract = layer_rule
            .extract
            .replace("{jar}", &artifact.source)
            .replace("{destination}", destination);
        self.planner.decide(
            format!("build stage runs `{extract}`"),
            format!(
                "{}; {} {} writes the layer index",
                layers.note,
                layers.version_fact.replace('_', " "),
                facts.get(&layers.version_fact).unwrap_or_default()
            ),
            0.85,
        );
        side.build.push(Step::Run {
            mounts: Vec::new(),
            command: extract,
            secret_env: Vec::new(),
        });
        self.planner.decide(
            format!(
                "runtime copies the layers {} into {dir} and starts {}",
                layers.names.join(", "),
                layer_rule.launcher
            ),
            "each layer is its own image layer, so a code change ships the application layer only",
            0.85,
        );
        self.layer_launcher = Some(layer_rule.launcher.clone());
        Some(
            layers
                .names
                .iter()
                .map(|name| Step::Copy {
                    from: Some(artifact.from_stage.clone()),
                    chown: None,
                    sources: vec![format!("{destination}/{name}/")],
                    dest: "./".into(),
                })
                .collect(),
        )
    }
}

/// The index of `-jar` in a `java [options] -jar <jar> [args]` command, when the program is
/// `java` and a jar follows.
pub(super) fn jar_option(words: &[String]) -> Option<usize> {
    let program = words.first()?;
    if program.rsplit('/').next() != Some("java") {
        return None;
    }
    let at = words.iter().position(|w| w == "-jar")?;
    (at + 1 < words.len()).then_some(at)
}

/// `java [options] -jar <jar> [args]` → `java [options] <launcher> [args]`.
pub(super) fn with_launcher(words: &[String], launcher: &str) -> Option<Vec<String>> {
    let at = jar_option(words)?;
    let mut out = words[..at].to_vec();
    out.push(launcher.to_string());
    out.extend(words[at + 2..].iter().cloned());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{jar_option, with_launcher};

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_launcher_takes_the_place_of_dash_jar_and_the_jar() {
        let launcher = "org.springframework.boot.loader.launch.JarLauncher";
        assert_eq!(
            with_launcher(&words("java -Xmx512m -jar app.jar --port=80"), launcher),
            Some(words(&format!("java -Xmx512m {launcher} --port=80")))
        );
        assert_eq!(
            with_launcher(&words("/opt/java/bin/java -jar x.jar"), launcher),
            Some(words(&format!("/opt/java/bin/java {launcher}")))
        );
        assert_eq!(with_launcher(&words("java -jar"), launcher), None);
        assert_eq!(
            with_launcher(&words("sh run.sh -jar x.jar"), launcher),
            None
        );
        assert_eq!(jar_option(&words("java -cp app.jar Main")), None);
    }
}
