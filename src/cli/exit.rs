//! Exit codes as a type (the ruff/prettier convention).

/// How a run ended. Ordered by severity, so the worst of several results is their maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitStatus {
    /// 0: success, or nothing to change.
    Success,
    /// 1: `--check` found something to rewrite.
    Failure,
    /// 2: a usage, parse or I/O error.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }

    /// The more severe of two statuses.
    #[must_use]
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        self.max(other)
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_severity() {
        assert_eq!(ExitStatus::Success.code(), 0);
        assert_eq!(ExitStatus::Failure.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
        assert_eq!(
            ExitStatus::Failure.worst(ExitStatus::Success),
            ExitStatus::Failure
        );
        assert_eq!(
            ExitStatus::Failure.worst(ExitStatus::Error),
            ExitStatus::Error
        );
    }
}
