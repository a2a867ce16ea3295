//! Verification rerun on new listings: markets a universe refresh lists while `arb
//! live` runs are matched against the other venue's listing (`mapping::candidates`)
//! and verified by the rules (`mapping::verify`); the pairs judged `same` or
//! `uncertain` that the mapping file does not hold are added to
//! `<journal>/pairs-proposed.toml` (a version 2 pairs file) for an operator to review
//! and merge. A proposal is never traded by itself: a pair trades once the mapping
//! file holds it.

use crate::core::Venue;
use crate::mapping::candidates::Options;
use crate::mapping::listings::Listing;
use crate::mapping::{MappingFileV2, PairV2, VERSION};
use std::collections::BTreeSet;
use std::path::Path;

/// The proposals file beside the journal.
pub const FILE: &str = "pairs-proposed.toml";

/// Candidate pairs with a market of `new` on one side, verified by the rules: those
/// judged `same` or `uncertain`, in candidate order (Kalshi-new first).
pub fn verified_pairs(
    kalshi: &[Listing],
    polymarket: &[Listing],
    new: &BTreeSet<(Venue, String)>,
) -> Vec<PairV2> {
    let is_new = |l: &Listing| match l.venue {
        Some(Venue::Kalshi) => new.contains(&(Venue::Kalshi, l.id.clone())),
        _ => l
            .outcomes
            .iter()
            .any(|(_, t)| new.contains(&(Venue::Polymarket, t.clone()))),
    };
    let new_k: Vec<Listing> = kalshi.iter().filter(|l| is_new(l)).cloned().collect();
    let new_p: Vec<Listing> = polymarket.iter().filter(|l| is_new(l)).cloned().collect();
    let o = Options::default();
    let mut pairs = Vec::new();
    let mut seen = BTreeSet::new();
    for (k, p) in [(&new_k[..], polymarket), (kalshi, &new_p[..])] {
        if k.is_empty() || p.is_empty() {
            continue;
        }
        let (mut table, _) = crate::mapping::tool::candidate_table(k, p, &o);
        let verified = match crate::mapping::tool::verify_table(&mut table) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "new listings not verified");
                continue;
            }
        };
        pairs.extend(
            verified
                .into_iter()
                .filter(|v| v.verdict != "different")
                .filter(|v| seen.insert((v.kalshi.clone(), v.polymarket.clone()))),
        );
    }
    pairs
}

/// The (Kalshi ticker, Polymarket token) pairs a mapping file names, whatever their
/// verdict (a pair an operator judged is not proposed again). Empty when it does not
/// read.
pub fn named_pairs(text: &str) -> BTreeSet<(String, String)> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return BTreeSet::new();
    };
    let Some(pairs) = doc.get("pair").and_then(toml::Value::as_array) else {
        return BTreeSet::new();
    };
    pairs
        .iter()
        .filter_map(|p| {
            let s = |k: &str| Some(p.get(k)?.as_str()?.to_string());
            Some((s("kalshi")?, s("polymarket")?))
        })
        .collect()
}

/// Adds `pairs` to the proposals file at `path` (kept: what it proposed before), less
/// those the mapping file `mapping` names; returns how many were new.
pub fn add(path: &Path, mapping: Option<&Path>, pairs: Vec<PairV2>) -> std::io::Result<usize> {
    let mut named = mapping
        .and_then(|m| std::fs::read_to_string(m).ok())
        .map_or_else(BTreeSet::new, |t| named_pairs(&t));
    let mut file = match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str::<MappingFileV2>(&text)
            .map_err(|e| std::io::Error::other(format!("{} does not read: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => MappingFileV2 {
            version: VERSION,
            pairs: Vec::new(),
        },
        Err(e) => return Err(e),
    };
    named.extend(
        file.pairs
            .iter()
            .map(|p| (p.kalshi.clone(), p.polymarket.clone())),
    );
    let before = file.pairs.len();
    file.pairs.extend(
        pairs
            .into_iter()
            .filter(|p| named.insert((p.kalshi.clone(), p.polymarket.clone()))),
    );
    let added = file.pairs.len() - before;
    if added > 0 {
        let body = toml::to_string(&file).map_err(std::io::Error::other)?;
        std::fs::write(
            path,
            format!(
                "# pairs proposed by arb live for markets listed while running: review, then merge into the mapping file (docs/mapping.md)\n{body}"
            ),
        )?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kalshi(id: &str, title: &str) -> Listing {
        Listing {
            venue: Some(Venue::Kalshi),
            id: id.into(),
            event_id: id.rsplit_once('-').map_or(id, |t| t.0).into(),
            title: title.into(),
            close: "2027-03-20T00:00:00Z".into(),
            ..Listing::default()
        }
    }

    fn polymarket(id: &str, title: &str, yes: &str) -> Listing {
        Listing {
            venue: Some(Venue::Polymarket),
            id: id.into(),
            title: title.into(),
            close: "2027-03-20T00:00:00Z".into(),
            outcomes: vec![
                ("Yes".into(), yes.into()),
                ("No".into(), format!("{yes}-no")),
            ],
            ..Listing::default()
        }
    }

    #[test]
    fn only_pairs_with_a_new_market_are_verified_and_a_near_miss_is_not_proposed() {
        let k = [
            kalshi("KXFED-27MAR-CUT", "Will the Fed cut rates in March 2027?"),
            kalshi(
                "KXGOLD-27MAR-3000",
                "Will gold close above $3000 on March 19, 2027?",
            ),
        ];
        let p = [
            polymarket("0xfed", "Will the Fed cut rates in March 2027?", "T-FED"),
            polymarket(
                "0xgold",
                "Will gold close above $3100 on March 19, 2027?",
                "T-GOLD",
            ),
        ];
        let new: BTreeSet<(Venue, String)> = [(Venue::Polymarket, "T-FED".to_string())].into();
        let pairs = verified_pairs(&k, &p, &new);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!(
            (pairs[0].kalshi.as_str(), pairs[0].polymarket.as_str()),
            ("KXFED-27MAR-CUT", "T-FED")
        );
        // The gold markets differ in threshold: even when new, never proposed.
        let new: BTreeSet<(Venue, String)> =
            [(Venue::Kalshi, "KXGOLD-27MAR-3000".to_string())].into();
        assert_eq!(verified_pairs(&k, &p, &new), []);
    }

    #[test]
    fn the_file_keeps_what_it_proposed_and_skips_what_the_mapping_names() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mapping) = (dir.path().join(FILE), dir.path().join("pairs.toml"));
        std::fs::write(
            &mapping,
            "version = 1\n[[pair]]\nkalshi = \"K1\"\npolymarket = \"P1\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.9\n",
        )
        .unwrap();
        let pair = |k: &str, p: &str| PairV2 {
            kalshi: k.into(),
            polymarket: p.into(),
            polymarket_outcome_for_kalshi_yes: "yes".into(),
            confidence: 0.99,
            verdict: "same".into(),
            reason: "r".into(),
            confirmed_by: "rules".into(),
            ..PairV2::default()
        };
        assert_eq!(
            add(
                &path,
                Some(&mapping),
                vec![pair("K1", "P1"), pair("K2", "P2")]
            )
            .unwrap(),
            1
        );
        assert_eq!(
            add(
                &path,
                Some(&mapping),
                vec![pair("K2", "P2"), pair("K3", "P3")]
            )
            .unwrap(),
            1
        );
        let file: MappingFileV2 = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let ids: Vec<&str> = file.pairs.iter().map(|p| p.kalshi.as_str()).collect();
        assert_eq!(ids, ["K2", "K3"]);
        // It is a pairs file the engine reads.
        assert_eq!(crate::mapping::load(&path).unwrap().len(), 2);
    }
}
