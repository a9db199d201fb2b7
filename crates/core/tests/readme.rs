//! Every ```toml block of the README is a complete configuration that loads: the documentation
//! cannot drift from the parser.

use agentwatch_core::config::Config;
use agentwatch_core::Error;
use std::path::Path;

const README: &str = include_str!("../../../README.md");

/// The ```toml blocks of `markdown`, each with the line its text starts on.
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```toml") => current = Some((index + 2, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(
        current.is_none(),
        "a ```toml block of README.md is never closed"
    );
    blocks
}

#[test]
fn every_toml_example_in_the_readme_loads() {
    let blocks = toml_blocks(README);
    assert!(
        blocks.len() >= 4,
        "the general example and one per vendor, found {}",
        blocks.len()
    );
    for (line, text) in &blocks {
        if let Err(e) = Config::parse(text, Path::new("README.md")) {
            let at = match &e {
                Error::Config { line: inner, .. } => format!("README.md:{}", line + inner - 1),
                _ => format!("the block at README.md:{line}"),
            };
            panic!("a ```toml example of the README does not load, at {at}: {e}");
        }
    }
}

#[test]
fn blocks_are_found_with_their_lines() {
    let md = "text\n```toml\na = 1\n```\n```sh\nx\n```\n  ```toml\nb = 2\n  ```\n";
    assert_eq!(
        toml_blocks(md),
        vec![(3, "a = 1\n".to_string()), (9, "b = 2\n".to_string())]
    );
}
