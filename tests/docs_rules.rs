//! The rule ids and policy keys in the code are the ones the docs describe.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// Every string literal in src/ that looks like a rule id (`deny.x`, `harden.x`, ...).
fn rule_ids_in_source() -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.match_indices('"') {
            let rest = &text[i + 1..];
            let Some(end) = rest.find('"') else { continue };
            let lit = &rest[..end];
            let Some((group, name)) = lit.split_once('.') else {
                continue;
            };
            let is_id = ["harden", "limit", "deny", "compat", "parse"].contains(&group)
                && !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
            if is_id && !ids.iter().any(|x| x == lit) {
                ids.push(lit.to_string());
            }
        }
    }
    ids
}

#[test]
fn every_rule_id_in_code_is_listed_and_documented() {
    let docs = read("docs/RULES.md");
    let listed: Vec<&str> = nanoclaw_shim::rules::Rule::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a rule id is listed twice");
    let found = rule_ids_in_source();
    assert!(found.len() >= 30, "the scan found too few ids: {found:?}");
    for id in &found {
        assert!(
            listed.contains(&id.as_str()),
            "{id} is used in src/ but not in rules::RULES"
        );
    }
    for id in listed {
        assert!(
            docs.contains(&format!("### `{id}`")),
            "{id} is not documented in docs/RULES.md"
        );
    }
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
