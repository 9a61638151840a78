//! "Did you mean …?": the closest name by edit distance.

/// The largest edit distance a suggestion may have.
pub(crate) const MAX_DISTANCE: usize = 2;

/// The Levenshtein distance between two strings, counted in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `word`, within two edits and other than `word` itself; the first
/// in order among equally close ones. Case differences count as edits.
///
/// ```
/// use accessgate::diagnostics::closest;
///
/// assert_eq!(closest("salesman", ["manager", "salesperson", "salesmen"]), Some("salesmen"));
/// assert_eq!(closest("auditor", ["manager", "salesperson"]), None);
/// ```
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let d = edit_distance(word, candidate);
        if d <= MAX_DISTANCE && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A name that is a likelier meaning of `word` than nothing: the closest within two edits, or
/// else the one candidate that starts with `word` or that `word` starts with (`salesman` for
/// `salesperson` is three edits away but shares its stem).
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(best) = closest(word, candidates.iter().copied()) {
        return Some(best);
    }
    let stem: String = word.chars().take(5).collect();
    if stem.chars().count() < 4 {
        return None;
    }
    let mut sharing = candidates
        .iter()
        .copied()
        .filter(|c| *c != word && c.starts_with(&stem));
    match (sharing.next(), sharing.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The words in backticks of `text`, in order.
fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" or "unknown variant …" message,
/// the expected name closest to the unknown one.
///
/// ```
/// use accessgate::diagnostics::expected_name_suggestion;
///
/// let message = "unknown field `busines_unit`, expected one of `id`, `business_unit`";
/// assert_eq!(expected_name_suggestion(message), Some("business_unit"));
/// ```
pub fn expected_name_suggestion(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let (unknown, expected) = rest.split_once(", expected")?;
    let unknown = backticked(unknown).next()?;
    closest(unknown, backticked(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance counts insertions, deletions and substitutions, in characters.
    #[test]
    fn edit_distance_counts_each_edit() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("salesperson", "salesperzon"), 1);
        assert_eq!(edit_distance("rep", "repo"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("über", "uber"), 1);
    }

    /// A shared stem suggests only when one candidate has it.
    #[test]
    fn stem_suggests_a_single_candidate() {
        assert_eq!(
            suggest("salesman", &["manager", "salesperson"]),
            Some("salesperson")
        );
        assert_eq!(suggest("salesman", &["salesperson", "salesdesk"]), None);
        assert_eq!(suggest("sal", &["salesperson"]), None);
    }
}
