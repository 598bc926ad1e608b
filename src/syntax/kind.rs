//! The kind of an instruction, from its keyword.

/// An instruction's kind: the keywords BuildKit knows, each parsed its own way, and
/// [`Kind::Unknown`] for any other keyword (BuildKit rejects those; the parser keeps them).
/// Read it from [`Instruction::kind`](super::Instruction::kind) to match on an instruction
/// without comparing keyword strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Add,
    Copy,
    Volume,
    Cmd,
    Entrypoint,
    Run,
    Shell,
    Arg,
    Env,
    Label,
    Expose,
    From,
    Maintainer,
    StopSignal,
    User,
    Workdir,
    Healthcheck,
    Onbuild,
    Unknown,
}

impl Kind {
    /// The kind of a keyword, case-insensitively as BuildKit (`strings.ToLower`) compares.
    pub fn of(keyword: &str) -> Kind {
        if keyword.is_ascii() {
            let mut lower = [0u8; 16];
            let Some(buf) = lower.get_mut(..keyword.len()) else {
                return Kind::Unknown;
            };
            buf.copy_from_slice(keyword.as_bytes());
            buf.make_ascii_lowercase();
            Kind::of_lower(buf)
        } else {
            // Unicode lower-casing can turn non-ASCII letters into ASCII ones (the Kelvin sign).
            Kind::of_lower(keyword.to_lowercase().as_bytes())
        }
    }

    /// The upper-case keyword of a known kind (`None` for [`Kind::Unknown`]).
    pub fn keyword(self) -> Option<&'static str> {
        Some(match self {
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Volume => "VOLUME",
            Kind::Cmd => "CMD",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Run => "RUN",
            Kind::Shell => "SHELL",
            Kind::Arg => "ARG",
            Kind::Env => "ENV",
            Kind::Label => "LABEL",
            Kind::Expose => "EXPOSE",
            Kind::From => "FROM",
            Kind::Maintainer => "MAINTAINER",
            Kind::StopSignal => "STOPSIGNAL",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Onbuild => "ONBUILD",
            Kind::Unknown => return None,
        })
    }

    /// The kind of a keyword already lower-cased.
    fn of_lower(keyword: &[u8]) -> Kind {
        match keyword {
            b"add" => Kind::Add,
            b"copy" => Kind::Copy,
            b"volume" => Kind::Volume,
            b"cmd" => Kind::Cmd,
            b"entrypoint" => Kind::Entrypoint,
            b"run" => Kind::Run,
            b"shell" => Kind::Shell,
            b"arg" => Kind::Arg,
            b"env" => Kind::Env,
            b"label" => Kind::Label,
            b"expose" => Kind::Expose,
            b"from" => Kind::From,
            b"maintainer" => Kind::Maintainer,
            b"stopsignal" => Kind::StopSignal,
            b"user" => Kind::User,
            b"workdir" => Kind::Workdir,
            b"healthcheck" => Kind::Healthcheck,
            b"onbuild" => Kind::Onbuild,
            _ => Kind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn every_static_keyword_name_is_its_kind_upper_cased() {
        for name in [
            "add",
            "copy",
            "volume",
            "cmd",
            "entrypoint",
            "run",
            "shell",
            "arg",
            "env",
            "label",
            "expose",
            "from",
            "maintainer",
            "stopsignal",
            "user",
            "workdir",
            "healthcheck",
            "onbuild",
        ] {
            let kind = Kind::of_lower(name.as_bytes());
            assert_eq!(
                kind.keyword(),
                Some(name.to_ascii_uppercase().as_str()),
                "{name}"
            );
        }
        assert_eq!(Kind::Unknown.keyword(), None);
    }

    #[test]
    fn keywords_match_case_insensitively_and_unknown_ones_are_unknown() {
        assert_eq!(Kind::of("RUN"), Kind::Run);
        assert_eq!(Kind::of("rUn"), Kind::Run);
        assert_eq!(Kind::of("StopSignal"), Kind::StopSignal);
        assert_eq!(Kind::of("frobnicate"), Kind::Unknown);
        assert_eq!(Kind::of(""), Kind::Unknown);
        // Longer than any keyword: no lower-casing buffer overflow.
        assert_eq!(Kind::of("healthcheckhealthcheck"), Kind::Unknown);
        // BuildKit lower-cases with Unicode rules: the Kelvin sign is a `k`.
        assert_eq!(Kind::of("HEALTHCHEC\u{212A}"), Kind::Healthcheck);
    }

    #[test]
    fn every_parsed_instruction_carries_its_kind() {
        let df = crate::syntax::parse("FROM a\nrun x\nONBUILD COPY a b\nFROBNICATE z\n");
        let kinds: Vec<Kind> = df.instructions.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [Kind::From, Kind::Run, Kind::Onbuild, Kind::Unknown]);
        let wrapped = df.instructions[2].onbuild().expect("ONBUILD wraps COPY");
        assert_eq!(wrapped.kind, Kind::Copy);
        for i in &df.instructions {
            assert_eq!(i.kind.keyword().unwrap_or(i.keyword()), i.keyword());
        }
    }
}
