//! Colour in what `nanoclaw-shim` prints for people: doctor's `OK` / `WARN` / `FAIL`, explain's
//! verdict, the decisions of `log`, the `error` / `warning` labels of `policy check`.
//!
//! Colour is a courtesy, never information: every styled word reads the same without it. It is
//! on only when the stream is a terminal, off when `NO_COLOR` is set to anything non-empty, and
//! forced by `CLICOLOR_FORCE` (how the tests see it); the rules are anstream's, the library
//! clap already uses for `--help`. JSON output and the `docker` face's one-line refusal are
//! never styled: a program reads those.

use anstyle::{AnsiColor, Style};

/// How one word is meant: each has one colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// It works (green).
    Good,
    /// Worth a look (yellow).
    Warn,
    /// It fails or is refused (bold red).
    Bad,
}

impl Tone {
    fn style(self) -> Style {
        match self {
            Tone::Good => AnsiColor::Green.on_default(),
            Tone::Warn => AnsiColor::Yellow.on_default(),
            Tone::Bad => AnsiColor::Red.on_default().bold(),
        }
    }
}

/// Whether to style text for one output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// No styling: for files, pipes, JSON and tests of the plain text.
    pub const PLAIN: Paint = Paint { on: false };

    /// Styling as standard output allows (terminal, `NO_COLOR`, `CLICOLOR_FORCE`).
    pub fn stdout() -> Paint {
        Paint {
            on: anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
        }
    }

    /// Styling as standard error allows.
    pub fn stderr() -> Paint {
        Paint {
            on: anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never,
        }
    }

    /// `text` in the colour of `tone`, or as it is when styling is off. Pad before painting:
    /// the escape codes have no width on screen but count for `{:<8}`.
    pub fn tone(self, tone: Tone, text: &str) -> String {
        if self.on {
            let s = tone.style();
            format!("{s}{text}{s:#}")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_the_text_and_on_wraps_it_in_one_style() {
        assert_eq!(Paint::PLAIN.tone(Tone::Bad, "FAIL"), "FAIL");
        let on = Paint { on: true };
        assert_eq!(on.tone(Tone::Good, "OK"), "\x1b[32mOK\x1b[0m");
        assert_eq!(on.tone(Tone::Bad, "FAIL"), "\x1b[1m\x1b[31mFAIL\x1b[0m");
    }
}
