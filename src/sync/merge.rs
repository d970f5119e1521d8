//! How our list meets the list a platform holds (DESIGN §4 write modes). Pure: the
//! caller reads the platform's current list and what we wrote last time, and writes
//! the answer only when it differs from what the platform holds.

use std::collections::HashSet;

use crate::config::WriteMode;

/// The list to write, or `None` to leave the platform's list as it is.
///
/// - `replace`: ours.
/// - `fill_empty`: ours, only when the platform's list is empty.
/// - `merge` (and `dry_run`, which reports what `merge` would do): the merchant's own
///   links first, in their order, then ours. The merchant's links are those on the
///   platform we did not write last time; links we wrote that the merchant has since
///   removed stay removed; links we wrote that we no longer recommend go.
///
/// Every answer is cut to `cap` entries (the platform's or the storefront's limit).
#[must_use]
pub fn merged_list(
    mode: WriteMode,
    ours: &[String],
    on_platform: &[String],
    written_before: Option<&[String]>,
    cap: usize,
) -> Option<Vec<String>> {
    let capped = |list: Vec<String>| list.into_iter().take(cap).collect();
    match mode {
        WriteMode::Replace => Some(capped(ours.to_vec())),
        WriteMode::FillEmpty => on_platform.is_empty().then(|| capped(ours.to_vec())),
        WriteMode::Merge | WriteMode::DryRun => {
            let ours_before: HashSet<&String> = written_before.unwrap_or_default().iter().collect();
            let present: HashSet<&String> = on_platform.iter().collect();
            let removed_by_merchant: HashSet<&String> = ours_before
                .iter()
                .copied()
                .filter(|id| !present.contains(id))
                .collect();
            let mut list: Vec<String> = on_platform
                .iter()
                .filter(|id| !ours_before.contains(id))
                .cloned()
                .collect();
            let mut seen: HashSet<String> = list.iter().cloned().collect();
            for id in ours {
                if !removed_by_merchant.contains(id) && seen.insert(id.clone()) {
                    list.push(id.clone());
                }
            }
            Some(capped(list))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn replace_writes_ours_cut_to_the_cap() {
        let got = merged_list(
            WriteMode::Replace,
            &ids(&["a", "b", "c"]),
            &ids(&["m"]),
            None,
            2,
        );
        assert_eq!(got, Some(ids(&["a", "b"])));
    }

    #[test]
    fn fill_empty_leaves_a_list_the_platform_already_has() {
        assert_eq!(
            merged_list(WriteMode::FillEmpty, &ids(&["a"]), &ids(&["m"]), None, 10),
            None
        );
        assert_eq!(
            merged_list(WriteMode::FillEmpty, &ids(&["a"]), &[], None, 10),
            Some(ids(&["a"]))
        );
    }

    #[test]
    fn merge_keeps_a_hand_curated_list_first_when_we_never_wrote() {
        let got = merged_list(
            WriteMode::Merge,
            &ids(&["a", "m2", "b"]),
            &ids(&["m1", "m2"]),
            None,
            10,
        );
        assert_eq!(got, Some(ids(&["m1", "m2", "a", "b"])));
    }

    #[test]
    fn merge_replaces_our_old_links_and_respects_the_merchants_edits() {
        // We wrote a, b, c. The merchant then removed b and added m.
        let before = ids(&["a", "b", "c"]);
        let platform = ids(&["a", "m", "c"]);
        // Now we recommend b, d, a: b stays removed, c (no longer ours) goes.
        let got = merged_list(
            WriteMode::Merge,
            &ids(&["b", "d", "a"]),
            &platform,
            Some(&before),
            10,
        );
        assert_eq!(got, Some(ids(&["m", "d", "a"])));
    }

    #[test]
    fn dry_run_reports_what_merge_would_write() {
        let args = (ids(&["a"]), ids(&["m"]));
        assert_eq!(
            merged_list(WriteMode::DryRun, &args.0, &args.1, None, 10),
            merged_list(WriteMode::Merge, &args.0, &args.1, None, 10)
        );
    }

    #[test]
    fn merge_cuts_to_the_cap_keeping_the_merchants_links() {
        let got = merged_list(
            WriteMode::Merge,
            &ids(&["a", "b"]),
            &ids(&["m1", "m2"]),
            None,
            3,
        );
        assert_eq!(got, Some(ids(&["m1", "m2", "a"])));
    }
}
