//! The annotation that tells `podman inspect` the shim was involved.
//!
//! Every `run` / `create` the shim lets through rewritten (enforce) or audited carries one OCI
//! annotation, [`KEY`], whose value is [`value_for`]:
//!
//! ```text
//! io.github.nanoclaw-shim.applied=nanoclaw-shim/0.1.0 mode=enforce rules=harden.read-only;harden.tmpfs;...
//! ```
//!
//! - `rules=` lists the hardening and ceiling rules in force for this container, each once, in
//!   [`Rule::ALL`] order, separated by `;` (podman reads `--annotation` as comma-separated
//!   values, so the value never holds a comma). A rule is in force when the container's final
//!   argv satisfies it, whether the shim added the setting or the caller had it already: running
//!   the shim's own output through it again gives the same annotation. Compatibility fixes
//!   (`compat.*`) and removals of a caller's contrary option (`harden.cap-add`,
//!   `harden.privileged`) are not listed: `explain` and the decision log show those.
//! - In audit mode nothing is enforced: `mode=audit rules=` (empty).
//! - The value is built from the version, the mode and rule ids only: no caller text, so no
//!   secret can reach it, and it is byte-identical for the same policy and argv.
//!
//! A caller's own annotation under [`NAMESPACE`] is removed (`harden.annotation`, shown in
//! `explain`), so it can neither forge the shim's nor, by coming later, mask it. It is removed
//! rather than refused so that the shim's output, passed through the shim again, still runs.

use std::os::unix::ffi::OsStrExt;

use super::rewriter::{Rewriter, value};
use crate::policy::Mode;
use crate::rules::Rule;

/// The annotation's key.
pub const KEY: &str = "io.github.nanoclaw-shim.applied";

/// Annotation keys only the shim writes (compared case-insensitively, leading and trailing
/// blanks ignored).
pub const NAMESPACE: &str = "io.github.nanoclaw-shim.";

/// The annotation's value for a mode and the rules in force (any order; each listed once, in
/// [`Rule::ALL`] order; none in audit mode, which enforces nothing).
pub fn value_for(mode: Mode, rules: &[Rule]) -> String {
    let ids: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| mode != Mode::Audit && rules.contains(r))
        .map(|r| r.as_str())
        .collect();
    format!(
        "nanoclaw-shim/{} mode={} rules={}",
        env!("CARGO_PKG_VERSION"),
        mode.as_str(),
        ids.join(";")
    )
}

/// Whether an `--annotation` value (`KEY=VALUE`) is in the shim's namespace.
pub fn in_namespace(annotation: &[u8]) -> bool {
    let key = annotation.split(|b| *b == b'=').next().unwrap_or_default();
    let key = crate::text::lossy(key);
    key.trim().to_ascii_lowercase().starts_with(NAMESPACE)
}

impl Rewriter<'_> {
    /// Records that the final argv satisfies `rule` (for the annotation's `rules=`).
    pub(super) fn enforce(&mut self, rule: Rule) {
        if !self.enforced.contains(&rule) {
            self.enforced.push(rule);
        }
    }

    /// Removes the caller's annotations in the shim's namespace and adds the shim's own, after
    /// every other added option (still before the image).
    pub(super) fn annotate(&mut self, mode: Mode) {
        let forged: Vec<usize> = self
            .run
            .find(crate::setting!("annotation"))
            // podman reads a comma list as several annotations: one of them in the namespace
            // removes the option (the red team's `foo=a,io.github.nanoclaw-shim.applied=x`).
            .filter(|(_, o)| {
                in_namespace(o.bytes())
                    || crate::flags::podman_list_elements(o.bytes())
                        .is_some_and(|parts| parts.iter().any(|p| in_namespace(p)))
            })
            .map(|(i, _)| i)
            .collect();
        for i in forged {
            self.drop_opt(
                i,
                Rule::HardenAnnotation,
                format!("only the shim writes annotations under {NAMESPACE}; the caller's is removed"),
            );
        }
        let v = value_for(mode, &self.enforced);
        let why = match mode {
            Mode::Audit => {
                "podman inspect shows the container went through the shim in audit mode, unhardened"
            }
            _ => "podman inspect shows the shim hardened the container, and under which rules",
        };
        self.add(
            Rule::HardenAnnotation,
            crate::setting!("annotation"),
            value(format!("{KEY}={v}")),
            why,
        );
    }
}

/// The shim's annotation value in a rendered argv, if it carries one (for tests and `verify`).
pub fn find(args: &[std::ffi::OsString]) -> Option<String> {
    let prefix = format!("--annotation={KEY}=");
    args.iter()
        .map(|a| a.as_bytes())
        .filter_map(|a| a.strip_prefix(prefix.as_bytes()))
        .map(crate::text::owned)
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lists_rules_once_in_documentation_order() {
        let v = value_for(
            Mode::Enforce,
            &[Rule::LimitPids, Rule::HardenReadOnly, Rule::LimitPids],
        );
        assert_eq!(
            v,
            format!(
                "nanoclaw-shim/{} mode=enforce rules=harden.read-only;limit.pids",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(!v.contains(','), "podman would split {v}");
    }

    #[test]
    fn namespace_is_matched_on_the_key_only() {
        assert!(in_namespace(b"io.github.nanoclaw-shim.applied=x"));
        assert!(in_namespace(b" IO.GitHub.Nanoclaw-Shim.other"));
        assert!(!in_namespace(b"org.example=io.github.nanoclaw-shim.applied"));
        assert!(!in_namespace(b"io.github.nanoclaw-shimmer=x"));
    }

    #[test]
    fn audit_lists_no_rules() {
        assert!(value_for(Mode::Audit, &[Rule::HardenReadOnly]).ends_with(" mode=audit rules="));
    }
}
