//! The man pages: one per program and one per subcommand (`agentwatch-check(1)`, which the
//! SUBCOMMANDS section of `agentwatch(1)` names), each rendered by clap_mangen from the clap
//! definition, with the sections clap knows nothing of (CONFIGURATION, SECRETS, EXIT STATUS,
//! ENVIRONMENT, FILES, SEE ALSO) added before VERSION.

use crate::sections::{self, Block, Section};
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;

/// A page: its file name (`agentwatch-check.1`) and its roff source.
pub struct Page {
    pub file_name: String,
    pub source: String,
}

/// The pages of a program: its own, then one per subcommand, nested ones too
/// (`agentwatch-secret-set.1`).
pub fn pages(command: clap::Command) -> std::io::Result<Vec<Page>> {
    // `help` is clap's, not a command of ours: no page, and no reference to one.
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let program = command.get_name().to_string();
    // Every page's footer names the program and its version (a subcommand has none of its own).
    let source = format!("{program} {}", command.get_version().unwrap_or_default());
    let mut out = Vec::new();
    let own = sections::of_program(&program);
    out.push(page(&command, &source, &own)?);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        subcommand_pages(sub, &program, &source, &mut out)?;
    }
    Ok(out)
}

fn subcommand_pages(
    command: &clap::Command,
    program: &str,
    source: &str,
    out: &mut Vec<Page>,
) -> std::io::Result<()> {
    out.push(page(command, source, &sections::of_subcommand(program))?);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        subcommand_pages(sub, program, source, out)?;
    }
    Ok(())
}

/// clap_mangen's page with `extra` inserted before its VERSION section (or at the end), set
/// flush left and without hyphenation: paths, keys and variable names are read and copied
/// whole, never broken across lines as `con-fig.toml`.
fn page(command: &clap::Command, source: &str, extra: &[Section]) -> std::io::Result<Page> {
    let man = Man::new(command.clone()).source(source);
    let mut rendered = Vec::new();
    man.render(&mut rendered)?;
    let rendered = String::from_utf8(rendered).expect("clap_mangen writes UTF-8");
    let rendered = match rendered.find(".TH ") {
        Some(title) => {
            let end = rendered[title..]
                .find('\n')
                .map_or(rendered.len(), |e| title + e + 1);
            format!("{}.nh\n.ad l\n{}", &rendered[..end], &rendered[end..])
        }
        None => rendered,
    };
    let added = render_sections(extra);
    let text = match rendered.find("\n.SH VERSION") {
        Some(at) => format!("{}\n{}{}", &rendered[..at], added, &rendered[at + 1..]),
        None => format!("{rendered}{added}"),
    };
    Ok(Page {
        file_name: man.get_filename(),
        source: text,
    })
}

/// The sections as roff, without the apostrophe preamble clap_mangen's page already starts with.
fn render_sections(sections: &[Section]) -> String {
    let mut roff = Roff::new();
    for section in sections {
        roff.control("SH", [section.title]);
        for block in &section.blocks {
            match block {
                Block::Para(text) => {
                    roff.control("PP", []);
                    roff.text([roman(text.as_str())]);
                }
                Block::Item(tag, text) => {
                    roff.control("TP", []);
                    roff.text([bold(tag.as_str())]);
                    roff.text([roman(text.as_str())]);
                }
                Block::Example(text) => {
                    roff.control("PP", []);
                    roff.control("nf", []);
                    roff.control("RS", ["4"]);
                    for line in text.lines() {
                        roff.text([roman(line)]);
                    }
                    roff.control("RE", []);
                    roff.control("fi", []);
                }
            }
        }
    }
    let preamble = Roff::new().render();
    let all = roff.render();
    all.strip_prefix(&preamble).unwrap_or(&all).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli_pages() -> Vec<Page> {
        pages(agentwatch_args::cli::command()).unwrap()
    }

    /// Every command a page lists under SUBCOMMANDS (as `agentwatch-check(1)`) has its own
    /// page, nested ones too, and clap's `help` has none and is listed nowhere.
    #[test]
    fn every_subcommand_listed_has_its_page() {
        fn expect(command: &clap::Command, out: &mut Vec<String>) {
            for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
                out.push(format!("{}.1", sub.get_display_name().unwrap_or_default()));
                expect(sub, out);
            }
        }
        let mut command = agentwatch_args::cli::command().disable_help_subcommand(true);
        command.build();
        let mut wanted = vec!["agentwatch.1".to_string()];
        expect(&command, &mut wanted);
        let written: Vec<String> = cli_pages().into_iter().map(|p| p.file_name).collect();
        assert_eq!(written, wanted);
        assert!(wanted.contains(&"agentwatch-check.1".to_string()));
        assert!(wanted.contains(&"agentwatch-secret-set.1".to_string()));
        assert!(cli_pages().iter().all(|p| !p.source.contains("help(1)")));
    }

    /// `agentwatch(1)` has the sections a user looks for, and CONFIGURATION the whole example.
    #[test]
    fn the_main_page_has_its_sections_and_the_complete_example() {
        let main = &cli_pages()[0];
        assert_eq!(main.file_name, "agentwatch.1");
        let mut at = 0;
        for title in [
            "SUBCOMMANDS",
            "CONFIGURATION",
            "SECRETS",
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
            "SEE ALSO",
            "VERSION",
        ] {
            // roff quotes a control line's argument that holds a space.
            let heading = if title.contains(' ') {
                format!(".SH \"{title}\"\n")
            } else {
                format!(".SH {title}\n")
            };
            let found = main.source[at..]
                .find(&heading)
                .unwrap_or_else(|| panic!("no {title} section after byte {at}"));
            at += found + 1;
        }
        // Every line of the example is in the page (roff escapes its dashes).
        for line in sections::EXAMPLE_CONFIG
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let escaped = line
                .replace('\\', "\\\\")
                .replace('-', "\\-")
                .replace('\'', "\\*(Aq");
            assert!(
                main.source.contains(&escaped),
                "the example's line {line:?} is missing"
            );
        }
        assert!(
            !main.source.contains("agentwatch-help"),
            "a page for clap's help command"
        );
    }
}
