//! A runtime the build side prepares (a profile rule's `prepare`): its commands go into a
//! build-side stage, and the runtime stage copies the result and sets its environment.

use super::*;
use crate::profile::PrepareStage;

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// Put the prepare commands into their stage, and the copies and variables into `steps`.
    pub(super) fn prepared_runtime(&mut self, side: &mut BuildSide, steps: &mut Vec<Step>) {
        let Some(prepare) = self.prepare.clone() else {
            return;
        };
        let stage = prepare.stage.name();
        let mut runs: Vec<Step> = Vec::new();
        if let Some(text) = &prepare.comment {
            runs.extend(text.lines().map(|line| Step::Comment {
                text: line.trim_end().to_string(),
            }));
        }
        runs.extend(prepare.run.iter().map(|command| Step::Run {
            mounts: Vec::new(),
            command: command.clone(),
            secret_env: Vec::new(),
        }));
        match prepare.stage {
            PrepareStage::Deps => {
                // Before the dependency manifests: the commands do not depend on them, so a
                // manifest or source change leaves their layers cached.
                let at = side
                    .deps
                    .iter()
                    .position(|s| side.manifest_copies.contains(s))
                    .unwrap_or(side.deps.len());
                side.deps.splice(at..at, runs);
            }
            PrepareStage::Build => side.build.extend(runs),
        }
        let made: Vec<&str> = prepare.copy.iter().map(|c| c.from.as_str()).collect();
        self.planner.decide(
            if made.is_empty() {
                format!("{stage} stage prepares the runtime")
            } else {
                format!("{stage} stage makes {} for the runtime", made.join(", "))
            },
            prepare.note.clone(),
            0.85,
        );
        for copy in &prepare.copy {
            self.planner.decide(
                format!(
                    "runtime copies {} from the {stage} stage to {}",
                    copy.from, copy.to
                ),
                "it is what the runtime image lacks; the toolchain stays behind",
                0.85,
            );
            steps.push(Step::Copy {
                from: Some(stage.to_string()),
                chown: None,
                sources: vec![copy.from.clone()],
                dest: copy.to.clone(),
            });
        }
        let facts = &self.planner.input.detection.facts;
        for env in prepare.env.iter().filter(|e| e.applies(facts)) {
            steps.push(Step::Env {
                name: env.name.clone(),
                value: env.value.clone(),
            });
        }
    }
}
