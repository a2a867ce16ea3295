//! The verifier reads texts that differ in form as one question, and keeps every
//! near-miss refused: for each normalization (ellipsis, possessives and plurals,
//! ordinals, the prize and a women's competition) a true pair now judged `same` (or no
//! longer `different`) beside near-misses in threshold, date, round, entity and scope
//! that stay `different`.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::mapping::verify::{Decision, Side, Verdict, verify};

fn kalshi(ids: &str, title: &str, rules: &str) -> Side {
    Side {
        ids: ids.into(),
        title: title.into(),
        rules: rules.into(),
        ..Side::default()
    }
}

fn poly(ids: &str, title: &str) -> Side {
    Side {
        ids: ids.into(),
        title: title.into(),
        outcomes: vec![
            ("Yes".into(), "TOK-YES".into()),
            ("No".into(), "TOK-NO".into()),
        ],
        ..Side::default()
    }
}

fn same(k: &Side, p: &Side) -> Decision {
    let d = verify(k, p);
    assert_eq!(
        d.verdict,
        Verdict::Same,
        "{} | {}: {}",
        k.title,
        p.title,
        d.reason
    );
    assert_eq!(d.polymarket_token.as_deref(), Some("TOK-YES"));
    d
}

fn different(k: &Side, p: &Side, rule: &str) {
    let d = verify(k, p);
    assert_eq!(
        d.verdict,
        Verdict::Different,
        "{} | {}: {}",
        k.title,
        p.title,
        d.reason
    );
    assert!(d.reason.contains(rule), "{rule}: {}", d.reason);
}

#[test]
fn a_title_cut_by_an_ellipsis_reads_its_cut_word_as_a_prefix() {
    let k = kalshi(
        "KXNBAGAME-26JAN09LALBOS",
        "Will the Los Angeles Lakers beat the Bost…",
        "",
    );
    // Was `different` (teams [LAL] against [LAL, BOS]).
    let d = same(
        &k,
        &poly(
            "nba-lal-bos-2026-01-09",
            "Will the Los Angeles Lakers beat the Boston Celtics?",
        ),
    );
    assert!(d.reason.contains("read as 'Boston'"), "{}", d.reason);
    // The cut word begins a team the other side does not name.
    different(
        &k,
        &poly(
            "nba-lal-bkn-2026-01-09",
            "Will the Los Angeles Lakers beat the Brooklyn Nets?",
        ),
        "teams: kalshi title cut at 'bost…'",
    );
    different(
        &k,
        &poly(
            "nba-lal-bos-2026-01-10",
            "Will the Los Angeles Lakers beat the Boston Celtics?",
        ),
        "date",
    );
}

#[test]
fn a_cut_name_is_completed_by_its_own_rules_first() {
    let mayor = poly(
        "",
        "Will Ana Lopes win the 2026 Springfield mayoral election?",
    );
    let cut = |rules: &str| kalshi("KXMAYOR-26", "Will Ana Lop...", rules);
    // Was `different` (names [lop] against [lopes, springfield]).
    same(
        &cut("If Ana Lopes wins the 2026 Springfield mayoral election, resolves Yes."),
        &mayor,
    );
    // Its own rules name another person: the prefix fits, the evidence conflicts.
    different(
        &cut("If Ana Lopez wins the 2026 Springfield mayoral election, resolves Yes."),
        &mayor,
        "entity",
    );
    // Nothing completes it, and the other side names someone else.
    different(
        &cut(""),
        &poly(
            "",
            "Will Ana Martinez win the 2026 Springfield mayoral election?",
        ),
        "entity",
    );
}

#[test]
fn a_cut_title_keeps_threshold_and_date_near_misses() {
    let p = poly("", "Will gold close above $3,000 on January 9, 2026?");
    same(
        &kalshi(
            "KXGOLD-26JAN09",
            "Will gold close above $3,000 on Jan 9…",
            "",
        ),
        &p,
    );
    different(
        &kalshi(
            "KXGOLD-26JAN09",
            "Will gold close above $3,100 on Jan 9…",
            "",
        ),
        &p,
        "threshold",
    );
    different(
        &kalshi(
            "KXGOLD-26JAN10",
            "Will gold close above $3,000 on Jan 10…",
            "",
        ),
        &p,
        "date",
    );
    // A number cut short is no number: never `same`, and never read as a smaller one
    // (was `different` as "above 30").
    let d = verify(
        &kalshi("KXGOLD-26JAN09", "Will gold close above $3,0…", ""),
        &p,
    );
    assert_eq!(d.verdict, Verdict::Uncertain, "{}", d.reason);
}

#[test]
fn possessives_and_plurals_name_one_thing() {
    let k = kalshi(
        "KXWWC-27",
        "Will Spain win the Women's World Cup in 2027?",
        "",
    );
    // Was `different` (names [women's] against [womens]).
    same(
        &k,
        &poly("", "Will Spain win the Womens World Cup in 2027?"),
    );
    // Was `same`: the men's cup is another competition.
    different(
        &k,
        &poly("", "Will Spain win the World Cup in 2027?"),
        "women",
    );
    different(
        &k,
        &poly("", "Will Spain win the Women's Euro in 2027?"),
        "entity",
    );

    let k = kalshi("KXHOUSE-26", "Will Republicans win the House in 2026?", "");
    // Was `different` (names [republicans] against [republican, party]).
    same(
        &k,
        &poly("", "Will the Republican Party win the House in 2026?"),
    );
    different(
        &k,
        &poly("", "Will Democrats win the House in 2026?"),
        "entity",
    );
    different(
        &k,
        &poly("", "Will the Republican Party win the House in 2028?"),
        "year",
    );
}

#[test]
fn seats_and_rates_in_either_number() {
    let k = kalshi("KXUKSEATS-29", "Will Labour win 400 seats?", "");
    // Was `uncertain` (a threshold on one side only).
    same(&k, &poly("", "Will Labour win at least 400 seats?"));
    same(
        &kalshi("KXUKSEATS-29", "Will Labour win 1 seat in Scotland?", ""),
        &poly("", "Will Labour win 1 or more seats in Scotland?"),
    );
    // Was `same`: a count in a unit is a threshold of its own.
    different(&k, &poly("", "Will Labour win 410 seats?"), "threshold");

    let k = kalshi(
        "KXFED-27MAR",
        "Will the Fed cut Interest Rates by 25bps in March 2027?",
        "",
    );
    // Was `different` (names [rates] against [rate]).
    same(
        &k,
        &poly(
            "",
            "Will the Fed cut the Interest Rate by 25 basis points in March 2027?",
        ),
    );
    different(
        &k,
        &poly(
            "",
            "Will the Fed hike the Interest Rate by 25 bps in March 2027?",
        ),
        "predicate",
    );
    different(
        &k,
        &poly(
            "",
            "Will the Fed cut the Interest Rate by 50 bps in March 2027?",
        ),
        "threshold",
    );
}

#[test]
fn ordinals_in_digits_and_words_compare_as_numbers() {
    let k = kalshi(
        "KXNBAQ-26JAN09NYKBOS",
        "Will the Celtics win the 2nd quarter against the Knicks on Jan 9?",
        "",
    );
    let p = |title: &str| poly("nba-nyk-bos-2026-01-09", title);
    same(
        &k,
        &p("Will Boston win the second quarter vs. New York on January 9?"),
    );
    same(&k, &p("Will Boston win Q2 vs. New York on January 9?"));
    // Both were `same`: another quarter, and the whole game.
    different(
        &k,
        &p("Will Boston win the third quarter vs. New York on January 9?"),
        "ordinal",
    );
    different(&k, &p("Will Boston beat New York on January 9?"), "scope");

    let k = kalshi("KXHOUSE-26", "Will Ana Lopes win the 21st District?", "");
    same(
        &k,
        &poly("", "Will Ana Lopes win the twenty-first district?"),
    );
    // Was `same`.
    different(
        &k,
        &poly("", "Will Ana Lopes win the twenty-second district?"),
        "ordinal",
    );
    // Was `different` (names [third] against [ny's]).
    same(
        &kalshi("KXHOUSE-26", "Will Ana Lopes win the Third District?", ""),
        &poly("", "Will Ana Lopes win NY's 3rd District?"),
    );

    let k = kalshi(
        "KXWIMB-26",
        "Will Iga Swiatek win her round 1 match at Wimbledon 2026?",
        "",
    );
    same(
        &k,
        &poly(
            "",
            "Will Iga Swiatek win her first round match at Wimbledon 2026?",
        ),
    );
    different(
        &k,
        &poly(
            "",
            "Will Iga Swiatek win her 2nd round match at Wimbledon 2026?",
        ),
        "ordinal",
    );

    let k = kalshi(
        "KXNBASERIES-26",
        "Will the Celtics win Game 7 against the Knicks?",
        "",
    );
    same(&k, &p("Will Boston win game seven vs. New York?"));
    // Was `same`.
    different(&k, &p("Will Boston win game 6 vs. New York?"), "ordinal");
}

#[test]
fn the_prize_a_title_names_is_part_of_the_question() {
    let k = kalshi(
        "KXNBA-26",
        "Will the Celtics win the championship in 2026?",
        "",
    );
    same(
        &k,
        &poly("", "Will the Celtics win the NBA Finals in 2026?"),
    );
    // Both were `same`: a conference is not the championship.
    different(
        &k,
        &poly("", "Will the Celtics win the conference in 2026?"),
        "contest",
    );
    different(
        &k,
        &poly(
            "",
            "Will the Celtics win the Eastern Conference Finals in 2026?",
        ),
        "contest",
    );
    different(
        &k,
        &poly("", "Will the Celtics win the championship in 2027?"),
        "year",
    );
}
