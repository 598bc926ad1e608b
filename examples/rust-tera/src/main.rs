//! menucard: renders today's menu (menu.json) through the Tera templates in templates/, both read
//! at run time from the working directory, so the menu changes without a rebuild.

use std::process::ExitCode;

use serde_json::Value;
use tera::{Context, Tera};

fn render(templates: &str, menu_json: &str, template: &str) -> Result<String, String> {
    let tera = Tera::new(templates).map_err(|e| format!("templates {templates}: {e}"))?;
    let menu: Value = serde_json::from_str(menu_json).map_err(|e| format!("menu.json: {e}"))?;
    let mut ctx = Context::new();
    ctx.insert("menu", &menu);
    let vegetarian = menu["dishes"]
        .as_array()
        .map(|d| d.iter().filter(|x| x["vegetarian"] == true).count())
        .unwrap_or(0);
    ctx.insert("vegetarian", &vegetarian);
    tera.render(template, &ctx).map_err(|e| {
        let mut msg = format!("render {template}: {e}");
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        msg
    })
}

fn main() -> ExitCode {
    let template = std::env::args().nth(1).unwrap_or_else(|| "menu.txt".into());
    let menu = match std::fs::read_to_string("menu.json") {
        Ok(m) => m,
        Err(e) => {
            eprintln!("menu.json: {e}");
            return ExitCode::FAILURE;
        }
    };
    match render("templates/**/*", &menu, &template) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_shipped_menu() {
        let menu = std::fs::read_to_string("menu.json").unwrap();
        let out = render("templates/**/*", &menu, "menu.txt").unwrap();
        assert!(out.starts_with("LA PETITE CANTINE"), "{out}");
        assert!(out.contains("2 of 3 dishes are vegetarian"), "{out}");
    }

    #[test]
    fn unknown_template_is_an_error() {
        assert!(render("templates/**/*", "{}", "nope.txt").is_err());
    }
}
