//! Smoke test of the benchmark harness: `benches/run.sh --quick` builds what it needs, runs every
//! case a few times and prints its report. Timings are never asserted: a handful of runs on a
//! busy machine say nothing about them (docs/PERFORMANCE.md has the numbers and how to get them).
//!
//! The harness needs hyperfine, jq and gcc. Without them this test passes with a loud note on
//! stderr, unless `NANOCLAW_SHIM_REQUIRE_BENCH=1` makes their absence a failure.

use std::path::Path;
use std::process::Command;

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn harness_runs_in_quick_mode() {
    let missing: Vec<&str> = ["hyperfine", "jq", "gcc"]
        .into_iter()
        .filter(|t| !installed(t))
        .collect();
    if !missing.is_empty() {
        let note = format!(
            "benches/run.sh needs {} (Debian: apt-get install hyperfine jq gcc)",
            missing.join(", ")
        );
        assert!(
            std::env::var_os("NANOCLAW_SHIM_REQUIRE_BENCH").is_none_or(|v| v != "1"),
            "{note}"
        );
        eprintln!("SKIPPED bench_smoke: {note}");
        return;
    }

    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(repo.join("benches/run.sh"))
        .arg("--quick")
        .current_dir(repo)
        .output()
        .expect("start benches/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "benches/run.sh --quick failed ({}):\n{stdout}\n{stderr}",
        out.status
    );

    // The headline ratios, each with a positive number.
    for ratio in ["ratio 4/2 ", "ratio 4/3 ", "ratio 5/2 "] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(ratio))
            .unwrap_or_else(|| panic!("no `{ratio}` line in:\n{stdout}"));
        assert!(
            line.split_whitespace()
                .any(|w| w.parse::<f64>().is_ok_and(|v| v > 0.0)),
            "no ratio on `{line}`"
        );
    }
    // Every section ran, including the ones that may say "skipped".
    for section in [
        "== per invocation",
        "== argv scaling",
        "== policy scaling",
        "== peak RSS",
        "ratio 6/4 ",
        "argv 10000 tokens: added ",
        "peak RSS of nanoclaw-shim, nanoclaw calls: ",
    ] {
        assert!(stdout.contains(section), "no `{section}` in:\n{stdout}");
    }
}
