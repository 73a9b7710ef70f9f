//! The rule ids and policy keys in the code are the ones the docs describe.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn every_rule_id_is_unique_and_documented() {
    // The ids are an enum (`rules::Rule`): code cannot name one that is not listed, so the test
    // is over the enum, not a search of the source.
    let docs = read("docs/RULES.md");
    let listed: Vec<&str> = nanoclaw_shim::rules::Rule::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert!(listed.len() >= 50, "{listed:?}");
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a rule id is listed twice");
    for rule in nanoclaw_shim::rules::Rule::ALL {
        let id = rule.as_str();
        assert!(
            docs.contains(&format!("### `{id}`")),
            "{id} is not documented in docs/RULES.md"
        );
        assert!(!rule.summary().is_empty(), "{id} has no summary");
        assert_eq!(nanoclaw_shim::rules::Rule::from_id(id), Some(*rule));
    }
}

#[test]
fn policy_check_codes_are_unique_and_docs_table_matches_them() {
    // The codes are an enum (`policy::Code`): docs/POLICY.md's table under `## Diagnostics` must
    // list exactly those codes, in that order, with each code's severity and summary.
    use nanoclaw_shim::policy::{Code, Severity};
    let listed: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert!(listed.len() >= 25, "{listed:?}");
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a diagnostic code is listed twice");
    let want: Vec<String> = Code::ALL
        .iter()
        .map(|c| {
            let severity = match c.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!("| `{}` | {severity} | {} |", c.as_str(), c.summary())
        })
        .collect();
    let docs = read("docs/POLICY.md");
    let section = docs
        .split_once("\n## Diagnostics\n")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .expect("docs/POLICY.md has a `## Diagnostics` section");
    let have: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        have,
        want,
        "docs/POLICY.md's diagnostics table differs from policy::Code; it should read:\n{}",
        want.join("\n")
    );
}

#[test]
fn every_policy_key_is_documented() {
    let docs = read("docs/POLICY.md");
    for (section, keys) in nanoclaw_shim::policy::SCHEMA {
        if !section.is_empty() {
            assert!(
                docs.contains(section),
                "section {section} missing from docs/POLICY.md"
            );
        }
        for key in *keys {
            let forms = [
                format!("| `{key}`"),
                format!("[{key}]"),
                format!("[[{key}]]"),
                format!("| `{key}."),
                format!("| `{section}{key}`"),
            ];
            assert!(
                forms.iter().any(|f| docs.contains(f.as_str()))
                    || (section.contains("profile") && docs.contains(&format!("`{key}`"))),
                "{section} {key} missing from docs/POLICY.md"
            );
        }
    }
}

#[test]
fn flags_doc_is_generated_from_the_table() {
    let want = nanoclaw_shim::flags::docs_table();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/FLAGS.md");
    if std::env::var_os("NANOCLAW_SHIM_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/FLAGS.md drifted from src/flags.rs; rerun with NANOCLAW_SHIM_BLESS=1"
    );
}
