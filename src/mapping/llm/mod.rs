//! The optional LLM verifier of `arb mapping verify --llm`: its configuration, the fixed
//! versioned prompt, the parse of its answer and how its verdict combines with the rules'.
//!
//! It runs offline, in the mapping tool, after the deterministic rules and only for pairs
//! the rules did not call `different`; the engine never calls it (it reads the pairs file
//! the tool writes). The HTTP call is in `client`, the pass over a CSV in `stage`.

pub mod client;
pub mod stage;

use super::verify::Verdict;
use serde::Deserialize;
use std::path::Path;

/// The version of the prompt below; recorded with every answer. Change it whenever the
/// wording of `SYSTEM` or `user_prompt` changes.
pub const PROMPT_VERSION: &str = "mapping-llm-v1";

/// The instruction every request starts with.
pub const SYSTEM: &str = "You check whether two prediction-market contracts, one on Kalshi and one on \
Polymarket, resolve identically. Answer with one JSON object and nothing else: \
{\"verdict\": \"same\" | \"different\" | \"uncertain\", \"reason\": \"<one sentence>\"}. \
Say \"same\" only when the Kalshi YES pays in exactly the cases where the named Polymarket \
outcome pays: the same event, the same predicate (running is not winning, a nomination is \
not an election, a primary is not a general election), the same people, teams, thresholds, \
dates, deadlines and settlement sources. Say \"different\" when any of these differ. Say \
\"uncertain\" when the texts do not settle it.";

/// Longest rules or description text sent (characters); longer texts are cut.
const MAX_TEXT: usize = 2_000;

/// `[llm]` of the file given to `--llm`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// Base URL of an OpenAI-compatible API: requests go to `{endpoint}/chat/completions`.
    pub endpoint: String,
    pub model: String,
    /// The name of the environment variable holding the API key (never the key itself).
    /// Absent: no `Authorization` header (a local server).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Per request, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    /// At most this many pairs are sent per run; the rest keep the rules' verdict.
    #[serde(default = "default_max_pairs")]
    pub max_pairs: usize,
    #[serde(default)]
    pub temperature: f64,
    /// Pause between two requests (they are sent one at a time).
    #[serde(default = "default_interval")]
    pub min_interval_ms: u64,
}

fn default_timeout() -> f64 {
    30.0
}
fn default_max_pairs() -> usize {
    200
}
fn default_interval() -> u64 {
    250
}

#[derive(Debug, Deserialize)]
struct LlmFile {
    llm: Option<toml::Value>,
}

/// Reads the `[llm]` section of a TOML file (other sections are ignored).
pub fn load_config(path: &Path) -> anyhow::Result<LlmConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read LLM config {}: {e}", path.display()))?;
    parse_config(&text, &path.display().to_string())
}

pub fn parse_config(text: &str, origin: &str) -> anyhow::Result<LlmConfig> {
    let bad = |m: String| anyhow::anyhow!("LLM config {origin}: {m}");
    let file: LlmFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let section = file.llm.ok_or_else(|| bad("no [llm] section".into()))?;
    let c: LlmConfig = section
        .try_into()
        .map_err(|e: toml::de::Error| bad(format!("[llm]: {}", e.message())))?;
    let e = c.endpoint.trim();
    if !(e.starts_with("http://") || e.starts_with("https://")) {
        return Err(bad(format!(
            "llm.endpoint: {e:?} is not an http:// or https:// URL"
        )));
    }
    if c.model.trim().is_empty() {
        return Err(bad("llm.model: empty".into()));
    }
    if !(c.timeout_s > 0.0 && c.timeout_s <= 600.0) {
        return Err(bad(format!(
            "llm.timeout_s: {} is not in (0, 600]",
            c.timeout_s
        )));
    }
    if c.max_pairs == 0 {
        return Err(bad("llm.max_pairs: must be at least 1".into()));
    }
    if !(0.0..=2.0).contains(&c.temperature) {
        return Err(bad(format!(
            "llm.temperature: {} is not in [0, 2]",
            c.temperature
        )));
    }
    if let Some(v) = &c.api_key_env
        && (v.trim().is_empty() || v.contains(['=', ' ']))
    {
        return Err(bad(format!(
            "llm.api_key_env: {v:?} is not an environment variable name"
        )));
    }
    Ok(c)
}

/// What the prompt says about one pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairText {
    pub kalshi_ticker: String,
    pub kalshi_title: String,
    pub kalshi_yes: String,
    pub kalshi_rules: String,
    pub kalshi_close: String,
    pub polymarket_id: String,
    pub polymarket_title: String,
    pub polymarket_description: String,
    pub polymarket_end: String,
    /// Outcome labels of the Polymarket market.
    pub polymarket_outcomes: Vec<String>,
    /// The Polymarket outcome the rules found paying when Kalshi YES pays, if any.
    pub polymarket_outcome_for_kalshi_yes: Option<String>,
}

fn cut(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{} [cut]", &s[..i]),
        None => s.to_string(),
    }
}

fn or_none(s: &str) -> String {
    match s.trim() {
        "" => "(none given)".into(),
        s => cut(s),
    }
}

/// The user message of prompt `PROMPT_VERSION` for one pair.
pub fn user_prompt(p: &PairText) -> String {
    let side = match &p.polymarket_outcome_for_kalshi_yes {
        Some(label) => format!(
            "Proposed side mapping: Kalshi YES pays exactly when the Polymarket outcome \"{label}\" pays."
        ),
        None => "No side mapping was found; judge whether the questions are the same.".into(),
    };
    format!(
        "Kalshi market {}\nTitle: {}\nYES refers to: {}\nRules: {}\nCloses: {}\n\n\
Polymarket market {}\nTitle: {}\nOutcomes: {}\nDescription: {}\nEnds: {}\n\n\
{side}\nDo both contracts resolve identically under this mapping? Answer with the JSON object only.",
        p.kalshi_ticker.trim(),
        or_none(&p.kalshi_title),
        or_none(&p.kalshi_yes),
        or_none(&p.kalshi_rules),
        or_none(&p.kalshi_close),
        p.polymarket_id.trim(),
        or_none(&p.polymarket_title),
        or_none(&p.polymarket_outcomes.join(", ")),
        or_none(&p.polymarket_description),
        or_none(&p.polymarket_end),
    )
}

/// A parsed answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Deserialize)]
struct AnswerJson {
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// Reads `{"verdict": ..., "reason": ...}` from the model's message, tolerating a code
/// fence or text around the object.
pub fn parse_answer(content: &str) -> Result<Answer, String> {
    let (start, end) = match (content.find('{'), content.rfind('}')) {
        (Some(a), Some(b)) if a < b => (a, b),
        _ => return Err("malformed answer: no JSON object".into()),
    };
    let a: AnswerJson = serde_json::from_str(&content[start..=end])
        .map_err(|e| format!("malformed answer: {e}"))?;
    let verdict = match a.verdict.trim().to_ascii_lowercase().as_str() {
        "same" => Verdict::Same,
        "different" => Verdict::Different,
        "uncertain" => Verdict::Uncertain,
        other => {
            return Err(format!(
                "malformed answer: verdict {other:?} is not same, different or uncertain"
            ));
        }
    };
    Ok(Answer {
        verdict,
        reason: a.reason.trim().to_string(),
    })
}

/// The pair's verdict from the rules' and the LLM's (`None`: the LLM gave no usable
/// answer, which counts as `uncertain`).
///
/// The rules' `different` always wins (the LLM is not even asked). An LLM `different`
/// makes the pair `different`, an LLM `uncertain` (or no answer) makes it at most
/// `uncertain`. An LLM `same` keeps the rules' verdict: it never raises `uncertain` to
/// `same`, because the rules' doubts (a threshold or a date on one side only, close
/// times days apart, a side that could not be oriented) are facts about the texts that
/// a model's agreement does not remove, and a model can be confidently wrong. The LLM
/// can only take away, never add, tradable pairs.
pub fn combine(rules: Verdict, llm: Option<Verdict>) -> Verdict {
    match (rules, llm) {
        (Verdict::Different, _) | (_, Some(Verdict::Different)) => Verdict::Different,
        (_, None | Some(Verdict::Uncertain)) => Verdict::Uncertain,
        (r, Some(Verdict::Same)) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn combination_table() {
        let table = [
            (Same, Some(Same), Same),
            (Same, Some(Uncertain), Uncertain),
            (Same, Some(Different), Different),
            (Same, None, Uncertain),
            (Uncertain, Some(Same), Uncertain),
            (Uncertain, Some(Uncertain), Uncertain),
            (Uncertain, Some(Different), Different),
            (Uncertain, None, Uncertain),
            (Different, Some(Same), Different),
            (Different, None, Different),
        ];
        for (rules, llm, want) in table {
            assert_eq!(combine(rules, llm), want, "{rules:?} + {llm:?}");
        }
    }

    #[test]
    fn answers_parse_with_fences_and_fail_with_a_reason() {
        let a =
            parse_answer("```json\n{\"verdict\": \"Different\", \"reason\": \"run vs win\"}\n```")
                .unwrap();
        assert_eq!((a.verdict, a.reason.as_str()), (Different, "run vs win"));
        assert!(
            parse_answer("yes they match")
                .unwrap_err()
                .contains("no JSON object")
        );
        let e = parse_answer("{\"verdict\": \"probably\"}").unwrap_err();
        assert!(e.contains("probably"), "{e}");
        assert!(
            parse_answer("{\"reason\": 3}")
                .unwrap_err()
                .contains("malformed")
        );
    }

    #[test]
    fn config_errors_name_the_field() {
        let ok = "[llm]\nendpoint = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\n";
        let c = parse_config(ok, "l.toml").unwrap();
        assert_eq!((c.timeout_s, c.max_pairs, c.temperature), (30.0, 200, 0.0));
        for (text, field) in [
            ("x = 1\n", "no [llm] section"),
            (&ok.replace("http://", "ftp://"), "llm.endpoint"),
            (&ok.replace("\"m\"", "\" \""), "llm.model"),
            (&format!("{ok}timeout_s = 0\n"), "llm.timeout_s"),
            (&format!("{ok}max_pairs = 0\n"), "llm.max_pairs"),
            (&format!("{ok}temperature = 3.0\n"), "llm.temperature"),
            (
                &format!("{ok}api_key_env = \"sk-123 abc\"\n"),
                "llm.api_key_env",
            ),
            (&format!("{ok}api_key = \"sk\"\n"), "api_key"),
        ] {
            let e = parse_config(text, "l.toml").unwrap_err().to_string();
            assert!(e.contains("l.toml") && e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn the_prompt_names_both_sides_and_the_side_mapping() {
        let p = PairText {
            kalshi_ticker: "KX-RUN".into(),
            kalshi_title: "Will X run for president?".into(),
            polymarket_id: "0xwin".into(),
            polymarket_title: "Will X win the presidency?".into(),
            polymarket_outcomes: vec!["Yes".into(), "No".into()],
            polymarket_outcome_for_kalshi_yes: Some("Yes".into()),
            polymarket_description: "é".repeat(MAX_TEXT + 5),
            ..PairText::default()
        };
        let u = user_prompt(&p);
        for part in [
            "Kalshi market KX-RUN",
            "Will X run for president?",
            "Polymarket market 0xwin",
            "Outcomes: Yes, No",
            "outcome \"Yes\" pays",
            "Closes: (none given)",
            "[cut]",
        ] {
            assert!(u.contains(part), "{part}: {u}");
        }
    }
}
