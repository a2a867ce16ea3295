//! Settlement at the end of the recorded data: every question resolves YES or NO, drawn
//! per path from its markets' last recorded mids. Markets that quote one question
//! resolve together: a Polymarket token and its complement (opposite outcomes), and
//! the two markets of every journaled pair (`b_outcome_for_a_yes`). A pair in the data
//! is taken to be the same question, whatever its mapping confidence.

use crate::core::{MarketId, Outcome, Rng};
use crate::event::{MarketMeta, NoLeg, PairRule};
use crate::sim::stochastic::MidSeries;

/// Which markets resolve together, and how likely each question is to resolve YES.
#[derive(Clone, Debug)]
pub struct Questions {
    /// Per market: its question, and whether its YES is the question's NO.
    of_market: Vec<(usize, bool)>,
    /// Per question: probability of YES.
    prob_yes: Vec<f64>,
}

/// Per market of one path: whether YES won.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution(pub Vec<bool>);

impl Resolution {
    /// What one contract of `outcome` of `market` pays: $1 if it won, else nothing.
    pub fn pays(&self, market: MarketId, outcome: Outcome) -> bool {
        let yes = self.0.get(market.index()).copied().unwrap_or(false);
        (outcome == Outcome::Yes) == yes
    }
}

fn find(parent: &mut [(usize, bool)], i: usize) -> (usize, bool) {
    let (p, flip) = parent[i];
    if p == i {
        return (i, false);
    }
    let (root, f2) = find(parent, p);
    parent[i] = (root, flip ^ f2);
    (root, flip ^ f2)
}

impl Questions {
    pub fn new(markets: &[MarketMeta], pairs: &[PairRule], mids: &MidSeries) -> Questions {
        let n = markets.len();
        let mut parent: Vec<(usize, bool)> = (0..n).map(|i| (i, false)).collect();
        let union = |a: usize, b: usize, flip: bool, parent: &mut Vec<(usize, bool)>| {
            if a >= n || b >= n {
                return;
            }
            let (ra, fa) = find(parent, a);
            let (rb, fb) = find(parent, b);
            if ra != rb {
                // An inconsistent link (a question that would equal its own negation)
                // never gets here: the first link of two markets wins.
                parent[rb] = (ra, fa ^ fb ^ flip);
            }
        };
        for m in markets {
            if let NoLeg::Complement(c) = m.no_leg {
                union(m.id.index(), c.index(), true, &mut parent);
            }
        }
        for p in pairs {
            let flip = p.b_outcome_for_a_yes == Outcome::No;
            union(p.a.index(), p.b.index(), flip, &mut parent);
        }
        let mut roots: Vec<usize> = Vec::new();
        let mut of_market = Vec::with_capacity(n);
        for i in 0..n {
            let (r, flip) = find(&mut parent, i);
            let q = match roots.iter().position(|&x| x == r) {
                Some(q) => q,
                None => {
                    roots.push(r);
                    roots.len() - 1
                }
            };
            of_market.push((q, flip));
        }
        // The question's probability: the mean of its markets' last mids, each read
        // as the question's YES.
        let mut sum = vec![(0.0f64, 0u32); roots.len()];
        for (i, &(q, flip)) in of_market.iter().enumerate() {
            if let Some(p) = mids.final_mid(MarketId(i as u32)) {
                let yes = if flip { 1.0 - p.as_f64() } else { p.as_f64() };
                sum[q].0 += yes;
                sum[q].1 += 1;
            }
        }
        let prob_yes = sum
            .into_iter()
            .map(|(s, k)| if k == 0 { 0.5 } else { s / f64::from(k) })
            .collect();
        Questions {
            of_market,
            prob_yes,
        }
    }

    pub fn count(&self) -> usize {
        self.prob_yes.len()
    }

    /// One draw of every question, in question order, from `rng`.
    pub fn draw(&self, rng: &mut Rng) -> Resolution {
        let yes: Vec<bool> = self.prob_yes.iter().map(|&p| rng.chance(p)).collect();
        Resolution(
            self.of_market
                .iter()
                .map(|&(q, flip)| yes[q] ^ flip)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Price, Qty, Venue};
    use crate::event::{BookSnapshot, Event, Level};

    fn meta(id: u32, venue: Venue, no_leg: NoLeg) -> MarketMeta {
        MarketMeta::for_test(id, venue, no_leg)
    }

    fn book(id: u32, bid: u16, ask: u16) -> Event {
        let l = |p| Level {
            price: Price(p),
            qty: Qty::contracts(1),
        };
        Event::BookSnapshot(BookSnapshot {
            market: MarketId(id),
            venue_seq: 0,
            bids: vec![l(bid)],
            asks: vec![l(ask)],
        })
    }

    fn setup(outcome: Outcome) -> Questions {
        // Kalshi K; Polymarket tokens Y and N (complements); K's YES is Y's `outcome`.
        let markets = vec![
            meta(0, Venue::Kalshi, NoLeg::SameBook),
            meta(1, Venue::Polymarket, NoLeg::Complement(MarketId(2))),
            meta(2, Venue::Polymarket, NoLeg::Complement(MarketId(1))),
            meta(3, Venue::Kalshi, NoLeg::SameBook),
        ];
        let mut events: Vec<Event> = markets.iter().cloned().map(Event::MarketDefined).collect();
        let k = if outcome == Outcome::Yes { 3000 } else { 7000 };
        events.extend([
            book(0, k - 100, k + 100),
            book(1, 2900, 3100),
            book(2, 6900, 7100),
            book(3, 8900, 9100),
        ]);
        let mids = MidSeries::build(events.iter().map(|e| (0, e)));
        let pair = PairRule {
            a: MarketId(0),
            b: MarketId(1),
            b_outcome_for_a_yes: outcome,
            confidence_bp: 10_000,
        };
        Questions::new(&markets, &[pair], &mids)
    }

    #[test]
    fn a_pair_and_complement_tokens_resolve_together_with_the_mids_odds() {
        for outcome in [Outcome::Yes, Outcome::No] {
            let q = setup(outcome);
            assert_eq!(
                q.count(),
                2,
                "K, Y, N are one question; the other market its own"
            );
            let mut rng = Rng::new(5);
            let (mut yes, n) = (0, 4000);
            for _ in 0..n {
                let r = q.draw(&mut rng);
                let (k, y, no) = (r.0[0], r.0[1], r.0[2]);
                assert_eq!(k, (y == (outcome == Outcome::Yes)), "K follows its pair");
                assert_eq!(no, !y, "complement tokens resolve opposite ways");
                assert!(r.pays(MarketId(1), Outcome::Yes) == y);
                assert!(r.pays(MarketId(0), Outcome::No) != k);
                yes += u32::from(y);
            }
            let share = f64::from(yes) / f64::from(n);
            assert!(
                (share - 0.3).abs() < 0.03,
                "Y resolves YES about 30%: {share}"
            );
        }
    }
}
