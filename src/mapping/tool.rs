//! `arb mapping candidates` and `arb mapping verify`: listings -> candidate CSV -> verified
//! CSV (the rules, then optionally the LLM stage) and optionally a version 2 pairs file
//! the engine reads.

use super::candidates::{Options, candidates};
use super::csv::{self, Table};
use super::listings::{self, Listing};
use super::verify::{Side, Verdict, verify_with};
use super::{MappingFileV2, PairV2, VERSION};
use std::path::Path;

/// Columns a candidate/verify CSV must have.
pub const REQUIRED: [&str; 4] = [
    "kalshi_ticker",
    "kalshi_title",
    "polymarket_id",
    "polymarket_title",
];

/// All columns `candidates` writes, in order.
pub const CANDIDATE_COLUMNS: [&str; 15] = [
    "kalshi_ticker",
    "kalshi_title",
    "polymarket_id",
    "polymarket_title",
    "score",
    "kalshi_event",
    "polymarket_event",
    "kalshi_yes",
    "polymarket_outcomes",
    "kalshi_rules",
    "polymarket_description",
    "kalshi_close",
    "polymarket_end",
    "kalshi_tags",
    "polymarket_tags",
];

/// Tags as one CSV field, and back.
const TAG_SEP: &str = "; ";

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

fn outcomes_json(l: &Listing) -> String {
    if l.outcomes.is_empty() {
        return String::new();
    }
    serde_json::to_string(&l.outcomes).unwrap_or_default()
}

/// Candidate rows for the listings, as a table.
pub fn candidate_table(
    k: &[Listing],
    p: &[Listing],
    o: &Options,
) -> (Table, super::candidates::Stats) {
    let (cands, stats) = candidates(k, p, o);
    let mut t = Table::new(
        "candidates",
        CANDIDATE_COLUMNS.iter().map(|c| c.to_string()).collect(),
    );
    for c in &cands {
        let (a, b) = (&k[c.kalshi], &p[c.polymarket]);
        t.push(vec![
            a.id.clone(),
            a.title.clone(),
            b.id.clone(),
            b.title.clone(),
            format!("{:.4}", c.score),
            a.event_id.clone(),
            b.event_id.clone(),
            a.yes_subject.clone(),
            outcomes_json(b),
            a.rules.clone(),
            b.rules.clone(),
            a.close.clone(),
            b.close.clone(),
            a.tags.join(TAG_SEP),
            b.tags.join(TAG_SEP),
        ]);
    }
    (t, stats)
}

/// Where `arb mapping candidates` reads the venues' listings from.
pub enum Sources<'a> {
    /// A Kalshi events page and Polymarket Gamma events or markets.
    Pages {
        kalshi: &'a Path,
        polymarket: &'a Path,
    },
    /// A universe file (`arb universe`).
    Universe(&'a Path),
}

pub fn run_candidates(from: Sources, out: &Path, o: &Options) -> anyhow::Result<String> {
    let (k, p) = match from {
        Sources::Pages { kalshi, polymarket } => (
            listings::load_kalshi(kalshi)?,
            listings::load_polymarket(polymarket)?,
        ),
        Sources::Universe(path) => listings::load_universe(path)?,
    };
    let (t, stats) = candidate_table(&k, &p, o);
    write_file(out, &csv::write(&t))?;
    let matched: std::collections::BTreeSet<&str> = t.rows.iter().map(|r| r[0].as_str()).collect();
    Ok(format!(
        "candidates: {} kalshi listings x {} polymarket markets; scored {} of {} pairs; {} candidates for {} kalshi listings (top {}, min score {}) -> {}",
        k.len(),
        p.len(),
        stats.scored,
        stats.cross,
        t.rows.len(),
        matched.len(),
        o.top,
        o.min_score,
        out.display()
    ))
}

/// The two sides of data row `row` (1-based).
pub fn sides(t: &Table, row: usize) -> Result<(Side, Side), csv::CsvError> {
    let ticker = t.need(row, "kalshi_ticker")?;
    t.need(row, "polymarket_id")?;
    let outcomes = match t.get(row, "polymarket_outcomes").trim() {
        "" => Vec::new(),
        s => serde_json::from_str::<Vec<(String, String)>>(s).map_err(|e| {
            t.err(
                row,
                "polymarket_outcomes",
                format!("not a JSON list of [label, token] pairs: {e}"),
            )
        })?,
    };
    for col in ["kalshi_close", "polymarket_end"] {
        let v = t.get(row, col).trim();
        if !v.is_empty() && super::verify::epoch_days(v).is_none() {
            return Err(t.err(row, col, format!("{v:?} is not an RFC 3339 time")));
        }
    }
    let k = Side {
        ids: format!("{ticker} {}", t.get(row, "kalshi_event")),
        title: t.need(row, "kalshi_title")?.to_string(),
        rules: t.get(row, "kalshi_rules").to_string(),
        close: t.get(row, "kalshi_close").trim().to_string(),
        yes_subject: t.get(row, "kalshi_yes").to_string(),
        outcomes: Vec::new(),
    };
    let p = Side {
        ids: t.get(row, "polymarket_event").to_string(),
        title: t.need(row, "polymarket_title")?.to_string(),
        rules: t.get(row, "polymarket_description").to_string(),
        close: t.get(row, "polymarket_end").trim().to_string(),
        yes_subject: String::new(),
        outcomes,
    };
    Ok((k, p))
}

/// Verifies every row in place (adding `verdict`, `confidence`, `reason`,
/// `polymarket_token`, `confirmed_by`); returns the version 2 pairs of rows whose token
/// is known.
pub fn verify_table(t: &mut Table) -> Result<Vec<PairV2>, csv::CsvError> {
    rules_pass(t)?;
    pairs_of(t)
}

/// Both venues' listings as a table's rows carry them (ids, titles, YES subjects,
/// tags): what aliases are learned from when the listings themselves are not at hand.
pub fn row_listings(t: &Table) -> (Vec<Listing>, Vec<Listing>) {
    let tags = |row: usize, col: &str| -> Vec<String> {
        let v = t.get(row, col);
        v.split(TAG_SEP)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (mut k, mut p) = (Vec::new(), Vec::new());
    for row in 1..=t.rows.len() {
        let ticker = t.get(row, "kalshi_ticker").trim();
        let event = match t.get(row, "kalshi_event").trim() {
            "" if ticker.matches('-').count() >= 2 => {
                ticker.rsplit_once('-').map_or(ticker, |x| x.0)
            }
            "" => ticker,
            e => e,
        };
        k.push(Listing {
            id: ticker.to_string(),
            event_id: event.to_string(),
            title: t.get(row, "kalshi_title").to_string(),
            yes_subject: t.get(row, "kalshi_yes").to_string(),
            event_level: ticker == event,
            tags: tags(row, "kalshi_tags"),
            ..Listing::default()
        });
        p.push(Listing {
            id: t.get(row, "polymarket_id").trim().to_string(),
            event_id: t.get(row, "polymarket_event").trim().to_string(),
            title: t.get(row, "polymarket_title").to_string(),
            tags: tags(row, "polymarket_tags"),
            ..Listing::default()
        });
    }
    (k, p)
}

/// The deterministic rules over every row, in place, with aliases learned from the
/// rows themselves beside the hand-written tables.
pub fn rules_pass(t: &mut Table) -> Result<(), csv::CsvError> {
    t.require(&REQUIRED)?;
    let (kl, pl) = row_listings(t);
    let aliases = super::aliases::learn(&kl, &pl);
    for row in 1..=t.rows.len() {
        let (k, p) = sides(t, row)?;
        let d = verify_with(&k, &p, &aliases);
        t.set(row, "verdict", d.verdict.as_str().into());
        t.set(row, "confidence", format!("{:.2}", d.confidence));
        t.set(row, "reason", d.reason);
        t.set(
            row,
            "polymarket_token",
            d.polymarket_token.unwrap_or_default(),
        );
        t.set(row, "confirmed_by", "rules".into());
    }
    Ok(())
}

/// The version 2 pairs of verified rows whose token is known, as the table now says.
pub fn pairs_of(t: &Table) -> Result<Vec<PairV2>, csv::CsvError> {
    let mut pairs = Vec::new();
    for row in 1..=t.rows.len() {
        let token = t.get(row, "polymarket_token").trim();
        if token.is_empty() {
            continue;
        }
        let (k, p) = sides(t, row)?;
        let confidence = t
            .get(row, "confidence")
            .trim()
            .parse::<f64>()
            .map_err(|e| t.err(row, "confidence", e.to_string()))?;
        pairs.push(PairV2 {
            kalshi: t.get(row, "kalshi_ticker").trim().to_string(),
            polymarket: token.to_string(),
            polymarket_outcome_for_kalshi_yes: "yes".into(),
            confidence,
            verdict: t.get(row, "verdict").into(),
            reason: t.get(row, "reason").into(),
            confirmed_by: t.get(row, "confirmed_by").into(),
            kalshi_title: k.title,
            polymarket_title: p.title,
            kalshi_rules: k.rules,
            polymarket_description: p.rules,
            kalshi_close: k.close,
            polymarket_end: p.close,
            polymarket_condition: t.get(row, "polymarket_id").trim().to_string(),
        });
    }
    Ok(pairs)
}

/// `OUT.csv.llm.jsonl`: the LLM exchanges beside the verified CSV.
pub fn sidecar_path(out: &Path) -> std::path::PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".llm.jsonl");
    s.into()
}

/// The LLM stage's API key, from the environment variable the config names.
fn api_key(c: &super::llm::LlmConfig) -> anyhow::Result<Option<String>> {
    let Some(var) = c.api_key_env.as_deref() else {
        return Ok(None);
    };
    match std::env::var(var) {
        Ok(k) if !k.trim().is_empty() => Ok(Some(k.trim().to_string())),
        _ => Err(anyhow::anyhow!(
            "llm.api_key_env: the environment variable {var} is not set (or empty)"
        )),
    }
}

/// `arb mapping verify`: the rules, then (with `llm`, a file with an `[llm]` section)
/// the LLM stage; writes the CSV, the LLM sidecar and optionally a pairs file.
pub fn run_verify(
    input: &Path,
    out: &Path,
    to_pairs: Option<&Path>,
    llm: Option<&Path>,
) -> anyhow::Result<String> {
    let llm = match llm {
        Some(path) => {
            let c = super::llm::load_config(path)?;
            let key = api_key(&c)?;
            Some((c, key))
        }
        None => None,
    };
    let text = std::fs::read_to_string(input)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", input.display()))?;
    let mut t = csv::parse(&text, &input.display().to_string())?;
    rules_pass(&mut t)?;
    let llm_note = match &llm {
        Some((c, key)) => {
            let side = sidecar_path(out);
            let s = super::llm::stage::run(&mut t, c, key.clone(), &side)?;
            format!(
                "; llm {}: {} asked ({} errors), {} lowered, {} not asked (rules: different), {} over max_pairs -> {}",
                c.model.trim(),
                s.asked,
                s.errors,
                s.lowered,
                s.skipped_different,
                s.over_cap,
                side.display()
            )
        }
        None => String::new(),
    };
    let pairs = pairs_of(&t)?;
    let count = |v: Verdict| {
        t.rows
            .iter()
            .enumerate()
            .filter(|(i, _)| t.get(i + 1, "verdict") == v.as_str())
            .count()
    };
    let (same, diff, unc) = (
        count(Verdict::Same),
        count(Verdict::Different),
        count(Verdict::Uncertain),
    );
    write_file(out, &csv::write(&t))?;
    let mut summary = format!(
        "verify: {} rows: {same} same, {diff} different, {unc} uncertain -> {}",
        t.rows.len(),
        out.display()
    );
    summary += &llm_note;
    if let Some(path) = to_pairs {
        let traded = pairs.iter().filter(|p| p.verdict == "same").count();
        let file = MappingFileV2 {
            version: VERSION,
            pairs,
        };
        let body =
            toml::to_string(&file).map_err(|e| anyhow::anyhow!("cannot encode pairs: {e}"))?;
        write_file(
            path,
            &format!(
                "# arb mapping file, version {VERSION} (docs/mapping.md); written by `arb mapping verify`\n{body}"
            ),
        )?;
        summary += &format!(
            "; pairs file: {} pairs ({traded} same, traded) -> {}",
            file.pairs.len(),
            path.display()
        );
    }
    Ok(summary)
}
