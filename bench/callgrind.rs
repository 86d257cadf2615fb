//! Reading a callgrind profile's total, for the benchmarks that count
//! instructions (`http -- --instructions`, `generated -- assembly --instructions`).

use std::path::Path;

/// The total instruction count of the profile at `out`, which is removed
/// afterwards unless `KEEP_PROFILES=1` (to compare two with `callgrind_annotate`).
pub fn total(out: &Path) -> u64 {
    let profile = std::fs::read_to_string(out).expect("callgrind output");
    if std::env::var_os("KEEP_PROFILES").is_none() {
        let _ = std::fs::remove_file(out);
    }
    profile
        .lines()
        .find_map(|line| line.strip_prefix("summary: "))
        .and_then(|total| total.trim().parse().ok())
        .expect("callgrind summary")
}
