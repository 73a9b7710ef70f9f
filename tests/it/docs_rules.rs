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
    let have = table_rows(&docs, "\n## Diagnostics\n");
    assert_eq!(
        have,
        want,
        "docs/POLICY.md's diagnostics table differs from policy::Code; it should read:\n{}",
        want.join("\n")
    );
}

/// The rows of the first markdown table after `heading` (the lines starting with `` | ` ``).
fn table_rows<'a>(docs: &'a str, heading: &str) -> Vec<&'a str> {
    let (_, rest) = docs
        .split_once(heading)
        .unwrap_or_else(|| panic!("no {heading:?} in the docs"));
    rest.lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| l.starts_with("| `"))
        .collect()
}

#[test]
fn doctor_check_names_are_unique_and_listed_in_json_doc() {
    // The names are an enum (`doctor::CheckId`): docs/JSON.md lists exactly those, in the
    // report's order, each with its summary; TROUBLESHOOTING.md may name only those.
    use nanoclaw_shim::doctor::CheckId;
    let listed: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
    assert!(listed.len() >= 13, "{listed:?}");
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a check name is listed twice");
    let want: Vec<String> = CheckId::ALL
        .iter()
        .map(|c| format!("| `{}` | {} |", c.as_str(), c.summary()))
        .collect();
    let json = read("docs/JSON.md");
    let have = table_rows(&json, "## `doctor --format json`");
    assert_eq!(
        have,
        want,
        "docs/JSON.md's doctor check table differs from doctor::CheckId; it should read:\n{}",
        want.join("\n")
    );
    let troubleshooting = read("docs/TROUBLESHOOTING.md");
    let rows = table_rows(&troubleshooting, "### `doctor` warnings about the policy");
    assert!(!rows.is_empty());
    for row in rows {
        let name = row.split('`').nth(1).unwrap_or_default();
        assert!(
            listed.contains(&name),
            "docs/TROUBLESHOOTING.md names a doctor check that does not exist: {row}"
        );
    }
}

#[test]
fn every_policy_key_is_documented() {
    let docs = read("docs/POLICY.md");
    for (section, keys) in nanoclaw_shim::policy::schema() {
        if !section.is_empty() {
            assert!(
                docs.contains(&section),
                "section {section} missing from docs/POLICY.md"
            );
        }
        for key in &keys {
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
