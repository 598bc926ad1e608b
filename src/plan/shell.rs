//! Just enough shell to read a RUN line: split it into simple commands (on `&&`, `||`, `;`,
//! `|` and newlines outside quotes) and each command into words (quotes removed).
//!
//! restage never runs these commands; it only needs to recognise `npm ci` or
//! `apt-get install -y gcc` inside `RUN apt-get update && apt-get install -y gcc`.

/// One simple command inside a shell line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The words, quotes removed. Leading `VAR=value` assignments are kept in `env`.
    pub words: Vec<String>,
    /// Leading environment assignments (`CGO_ENABLED=0 go build`).
    pub env: Vec<String>,
    /// The command's source text within the line, trimmed.
    pub text: String,
    /// The operator before this command (`&&`, `||`, `;`, `|`, newline), empty for the first.
    pub joined_by: String,
}

impl Command {
    /// The program name without its directory (`/usr/bin/pip3` → `pip3`, `./mvnw` → `mvnw`).
    pub fn program(&self) -> &str {
        self.words
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .unwrap_or("")
    }

    /// The words that are not options (do not start with `-`), program included.
    pub fn positional(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.starts_with('-'))
    }

    /// The value of an option written `-o value`, `-o=value` or `--output value`.
    pub fn option_value(&self, names: &[&str]) -> Option<&str> {
        let mut words = self.words.iter();
        while let Some(word) = words.next() {
            for name in names {
                if word == name {
                    return words.next().map(String::as_str);
                }
                if let Some(value) = word.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                    return Some(value);
                }
            }
        }
        None
    }
}

/// Split a shell line into its simple commands.
pub fn commands(line: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut start = 0;
    let bytes = line.as_bytes();
    let mut chars = line.char_indices().peekable();
    let mut operator = String::new();
    let finish =
        |words: &mut Vec<String>, start: usize, end: usize, op: &str, out: &mut Vec<Command>| {
            if words.is_empty() {
                return;
            }
            let mut all = std::mem::take(words);
            // Shell keywords that start a compound command are not the program (`until dotnet ef`).
            let keywords = all
                .iter()
                .take_while(|w| RESERVED.contains(&w.as_str()))
                .count();
            all.drain(..keywords);
            if all.is_empty() || (all.len() == 1 && CLOSERS.contains(&all[0].as_str())) {
                return;
            }
            let split = all
                .iter()
                .position(|w| !is_assignment(w))
                .unwrap_or(all.len());
            let (env, rest) = all.split_at(split);
            out.push(Command {
                words: rest.to_vec(),
                env: env.to_vec(),
                text: line[start..end].trim().to_string(),
                joined_by: op.to_string(),
            });
        };
    while let Some((i, ch)) = chars.next() {
        match ch {
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some((_, '\n')) => {}
                    Some((_, c)) => word.push(c),
                    None => {}
                }
            }
            '\'' => {
                in_word = true;
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '$' if chars.peek().is_some_and(|&(_, c)| c == '(') => {
                // `$(...)` is part of the word, however many commands it holds.
                in_word = true;
                word.push('$');
                let mut depth = 0;
                for (_, c) in chars.by_ref() {
                    word.push(c);
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '`' => {
                in_word = true;
                word.push('`');
                for (_, c) in chars.by_ref() {
                    word.push(c);
                    if c == '`' {
                        break;
                    }
                }
            }
            '&' | '|' | ';' | '\n' | '(' | ')' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                // `2>&1` and `&>` are redirections, not separators.
                if ch == '&'
                    && (i > 0 && bytes[i - 1] == b'>'
                        || chars.peek().is_some_and(|&(_, c)| c == '>'))
                {
                    continue;
                }
                finish(&mut words, start, i, &operator, &mut out);
                operator = ch.to_string();
                while chars.peek().is_some_and(|&(_, c)| c == ch) {
                    chars.next();
                    operator.push(ch);
                }
                start = chars.peek().map_or(line.len(), |&(j, _)| j);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    finish(&mut words, start, line.len(), &operator, &mut out);
    out
}

/// Words that close a compound command and run nothing.
const CLOSERS: &[&str] = &["done", "fi", "}", "esac"];

/// Reserved words that may stand before a command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<String>> {
        commands(line).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_on_operators_outside_quotes() {
        assert_eq!(
            words("apt-get update && apt-get install -y gcc; echo 'a && b' | tee x"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "gcc"],
                vec!["echo", "a && b"],
                vec!["tee", "x"],
            ]
        );
    }

    #[test]
    fn env_prefix_and_options() {
        let c = &commands("CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/server")[0];
        assert_eq!(c.env, vec!["CGO_ENABLED=0", "GOOS=linux"]);
        assert_eq!(c.program(), "go");
        assert_eq!(c.option_value(&["-o"]), Some("/out/app"));
        assert_eq!(
            c.text,
            "CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/server"
        );
    }

    #[test]
    fn substitutions_and_keywords() {
        let cmds = commands(
            "NPM_TOKEN=$(cat /run/secrets/t) npm ci && until dotnet ef database update; do sleep 1; done",
        );
        assert_eq!(cmds[0].env, vec!["NPM_TOKEN=$(cat /run/secrets/t)"]);
        assert_eq!(cmds[0].words, vec!["npm", "ci"]);
        assert_eq!(cmds[1].words[..2], ["dotnet".to_string(), "ef".to_string()]);
    }

    #[test]
    fn redirections_are_not_separators() {
        assert_eq!(
            words("make build 2>&1"),
            vec![vec!["make", "build", "2>", "1"]]
        );
    }
}
