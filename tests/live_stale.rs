//! A stale book through `arb live` and the simulator, judged by the journal: the
//! simulator freezes one Kalshi market's book a second into the run (its feed goes quiet while the paired
//! Polymarket book keeps moving), the profile bounds a book's age at 400 ms, and once the
//! frozen book is older than that the engine journals `StaleBook` skips for the pair and
//! places no order on it.

mod common;

use std::path::Path;

const FED_K: &str = "KXFEDDECISION-26DEC-C25";
const FED_P: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const BTC_K: &str = "KXBTCMAXY-26DEC31-100000";
const BTC_P: &str = "21742633143463906290569050155826241533067272736897614950488156847949938836455";

#[test]
fn no_order_goes_to_a_book_older_than_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arb-rich.toml"),
    )
    .unwrap()
    // The Fed question's Polymarket quotes dislocate often and far, so that edges
    // against the frozen Kalshi book keep appearing.
    .replacen(
        "dislocation = 0.04\ndislocation_size = 0.06",
        "dislocation = 0.5\ndislocation_size = 0.12",
        1,
    );
    assert!(
        base.contains("dislocation = 0.5"),
        "the Fed question is first"
    );
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        format!(
            "{base}\n[[fault]]\nat_s = 20\nduration_s = 3600\nkind = \"freeze_book\"\nmarket = \"{FED_K}\"\n"
        ),
    )
    .unwrap();
    let pairs = dir.path().join("pairs.toml");
    let mut mapping = String::from("version = 1\n");
    for (k, p) in [(FED_K, FED_P), (BTC_K, BTC_P)] {
        mapping += &format!(
            "[[pair]]\nkalshi = \"{k}\"\npolymarket = \"{p}\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.98\n"
        );
    }
    std::fs::write(&pairs, mapping).unwrap();
    let profile = dir.path().join("p.toml");
    // Unwinds rather than safe mode, and no loss cap: entries stay possible, so that the
    // only reason to refuse the pair's edges late in the run is the stale book.
    std::fs::write(
        &profile,
        "[risk]\nmax_book_age_ms = 400\ndaily_loss_cap = \"100000\"\nmax_consecutive_failures = 0\n[legging]\nunwind_max_loss = \"0.10\"\n",
    )
    .unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "profile = {:?}\npairs = {:?}\n[sim]\nscenario = {:?}\n",
            profile.display().to_string(),
            pairs.display().to_string(),
            scenario.display().to_string()
        ),
    )
    .unwrap();
    // ARB_TEST_JOURNAL=DIR keeps the run's journal there, to look at after a failure.
    let journal = std::env::var_os("ARB_TEST_JOURNAL")
        .map_or_else(|| dir.path().join("j"), std::path::PathBuf::from);
    common::live::live_cli(&cfg, &journal, "6");
    let recs = common::live::inspect_records(&journal);
    let fed = common::live::market_id(&recs, FED_K);
    // The frozen book's last update: its snapshot at the subscription (and resyncs).
    let last_update = recs
        .iter()
        .filter(|r| {
            r["body"]["BookSnapshot"]["market"] == fed || r["body"]["BookDelta"]["market"] == fed
        })
        .map(|r| r["ts"].as_i64().unwrap())
        .max()
        .expect("the frozen market had a book");
    let stale_from = last_update + 400_000_000;
    assert!(
        recs.last().unwrap()["ts"].as_i64().unwrap() > stale_from + 1_000_000_000,
        "the run went on well past the bound"
    );
    // Opportunities on the frozen market, and what became of them.
    let mut on_fed = std::collections::BTreeSet::new();
    let mut stale_skips = 0;
    for r in &recs {
        let b = &r["body"];
        if let Some(o) = b.get("OpportunityFound")
            && o["legs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["market"] == fed)
        {
            on_fed.insert(o["id"].as_u64().unwrap());
        }
        if b["Skipped"]["reason"] == "StaleBook"
            && on_fed.contains(&b["Skipped"]["opportunity"].as_u64().unwrap())
        {
            stale_skips += 1;
        }
        if b["PlaceOrder"]["market"] == fed {
            assert!(
                r["ts"].as_i64().unwrap() <= stale_from,
                "an order on the stale book: {r}"
            );
        }
    }
    assert!(
        stale_skips > 0,
        "the pair's edges were seen and skipped as stale ({} seen)",
        on_fed.len()
    );
}
