//! The second pass, pure: posts in time order go in, episodes of
//! coordinated behaviour come out. An episode is a run of posts sharing
//! something (near-identical text, a link, a hashtag, the post they repost
//! or answer), each within the window of the one before. Only a window's
//! worth of posts is held: texts alive in the window sit in an LSH index
//! ([`super::minhash::Lsh`]), one entry per distinct text (an exact repeat
//! joins its text at once, so a burst of 500 copies costs 500 lookups, not
//! 125,000 comparisons), and an episode is closed, judged and either kept
//! or dropped as soon as nothing in it is alive any more. Memory follows
//! the window and what is found, not the input.
//!
//! Main types: [`Engine`], [`Burst`] (a kept episode, judged).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use super::minhash::{Lsh, Signature, signature};
use super::survey::Background;
use super::text::{Normalized, entities_in, jaccard};
use super::{Behaviour, InputPost, Params, PostKeys};

/// A post as the episodes hold it.
#[derive(Debug)]
pub struct PostRec {
    /// Message id, or item id.
    pub id: String,
    /// A vault item rather than an imported post.
    pub item: bool,
    /// Its account's key ([`account_key`]).
    pub account: u64,
    /// Its account as the input names it.
    pub who: Rc<AccountInfo>,
    /// Posted at, Unix seconds.
    pub time: i64,
    /// The text as posted.
    pub text: String,
    /// Federal entities it names or is filed under.
    pub entities: Vec<&'static str>,
}

/// One distinct text among a co-post episode's posts.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Hash of its normalized text.
    pub exact: u64,
    /// The first post's text, as posted.
    pub sample: String,
    /// Posts with this text.
    pub posts: u32,
}

/// An episode, closed and judged worth keeping.
#[derive(Debug)]
pub struct Burst {
    /// What its accounts did together.
    pub behaviour: Behaviour,
    /// What they shared: the link, hashtag or post reference; for co-posts,
    /// the first text, normalized.
    pub key: String,
    /// Its posts, by time.
    pub posts: Vec<Rc<PostRec>>,
    /// Its distinct accounts' keys, sorted.
    pub accounts: Vec<u64>,
    /// Co-posts only: the distinct texts, most posted first.
    pub variants: Vec<Variant>,
    /// First post.
    pub start: i64,
    /// Last post.
    pub end: i64,
    /// The busiest window.
    pub peak: Peak,
    /// log10 of the chance of this many accounts in one window by
    /// coincidence, given how often the same thing was posted outside that
    /// window (0 = certain).
    pub log10_p: f64,
    /// Posts of the same thing outside the busiest window.
    pub outside: u64,
}

struct Open {
    behaviour: Behaviour,
    key: String,
    /// The key's hash (keyed behaviours), for the background count.
    key_hash: u64,
    posts: Vec<Rc<PostRec>>,
    variants: Vec<Variant>,
    /// Live reps (co-posts) pointing here.
    reps: Vec<u32>,
    last: i64,
}

struct Rep {
    exact: u64,
    shingles: Vec<u64>,
    sig: Box<Signature>,
    episode: u32,
    last: i64,
}

/// The key of a post's account: a hash of its platform and id.
pub fn account_key(p: &InputPost) -> u64 {
    let mut bytes = Vec::with_capacity(p.account_id.len() + 16);
    bytes.extend_from_slice(p.platform.as_deref().unwrap_or_default().as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(p.account_id.as_bytes());
    super::text::hash64(&bytes)
}

/// Per-account tallies for the signals.
#[derive(Debug, Default, Clone)]
pub struct AccountTally {
    /// Posts seen.
    pub posts: u32,
    /// First and last post.
    pub first: i64,
    /// Last post.
    pub last: i64,
    /// Gaps between consecutive posts: count, mean, sum of squared deviations (Welford).
    pub gaps: u32,
    /// Mean gap.
    pub gap_mean: f64,
    /// Sum of squared deviations of the gaps.
    pub gap_m2: f64,
    /// Posts that were near-duplicates of another account's within the window.
    pub co_posts: u32,
}

impl AccountTally {
    /// Counts one more post, at `t` (posts in time order).
    pub fn add(&mut self, t: i64) {
        if self.posts > 0 {
            let gap = (t - self.last) as f64;
            self.gaps += 1;
            let d = gap - self.gap_mean;
            self.gap_mean += d / f64::from(self.gaps);
            self.gap_m2 += d * (gap - self.gap_mean);
        } else {
            self.first = t;
        }
        self.posts += 1;
        self.last = t;
    }
}

/// An account as the input names it.
#[derive(Debug, Clone)]
pub struct AccountInfo {
    /// The source's user id, or the handle where there is none.
    pub id: String,
    /// Handle, without `@`.
    pub handle: String,
    /// Platform, folded.
    pub platform: Option<String>,
}

/// Co-actions between two accounts, per behaviour (hashtags left out: too common to mean much alone).
pub type EdgeCounts = [u32; 5];

/// The second pass.
pub struct Engine<'a> {
    params: &'a Params,
    background: &'a Background,
    /// Seconds of data, for the number of windows a coincidence had.
    span: i64,
    /// The last account seen, reused while the same account posts on.
    last_who: Option<(u64, Rc<AccountInfo>)>,
    /// Posts of each account that were near-duplicates of another
    /// account's within the window (only accounts that had any).
    pub co_posts: HashMap<u64, u32>,
    reps: HashMap<u32, Rep>,
    by_exact: HashMap<u64, u32>,
    lsh: Lsh,
    rep_queue: VecDeque<(i64, u32)>,
    next_rep: u32,
    open: HashMap<u32, Open>,
    next_episode: u32,
    keyed: HashMap<(Behaviour, u64), u32>,
    key_queue: VecDeque<(i64, Behaviour, u64)>,
    /// Episodes kept.
    pub bursts: Vec<Burst>,
    /// Co-actions between pairs of accounts (lower key first), from kept episodes.
    pub edges: HashMap<(u64, u64), EdgeCounts>,
    /// Posts read.
    pub posts: u64,
    last_time: i64,
}

/// At most this many earlier posts of an episode are paired with each post
/// (a text copied by thousands within one window still costs linear time).
const PAIRS_PER_POST: usize = 500;

impl<'a> Engine<'a> {
    /// An engine for these parameters, with the first pass's background.
    pub fn new(params: &'a Params, background: &'a Background) -> Engine<'a> {
        Engine {
            params,
            background,
            span: background.span(),
            last_who: None,
            co_posts: HashMap::new(),
            reps: HashMap::new(),
            by_exact: HashMap::new(),
            lsh: Lsh::default(),
            rep_queue: VecDeque::new(),
            next_rep: 0,
            open: HashMap::new(),
            next_episode: 0,
            keyed: HashMap::new(),
            key_queue: VecDeque::new(),
            bursts: Vec::new(),
            edges: HashMap::new(),
            posts: 0,
            last_time: i64::MIN,
        }
    }

    fn who(&mut self, key: u64, p: &InputPost) -> Rc<AccountInfo> {
        if let Some((k, who)) = &self.last_who
            && *k == key
        {
            return who.clone();
        }
        let who = Rc::new(AccountInfo {
            id: p.account_id.clone(),
            handle: p.handle.clone(),
            platform: p.platform.clone(),
        });
        self.last_who = Some((key, who.clone()));
        who
    }

    /// Reads the next post; posts must come in time order.
    pub fn push(&mut self, p: &InputPost, keys: &PostKeys) {
        let t = p.time.max(self.last_time);
        self.last_time = t;
        self.posts += 1;
        self.evict(t - i64::from(self.params.window));
        let account = account_key(p);
        let who = self.who(account, p);
        let mut entities = entities_in(&keys.text.tokens);
        if let Some(s) = p.state.as_deref()
            && let Some(official) = crate::model::MEXICAN_STATES.iter().find(|e| **e == s)
        {
            entities.push(official);
            entities.sort_unstable();
            entities.dedup();
        }
        let rec = Rc::new(PostRec {
            id: p.id.clone(),
            item: p.item,
            account,
            who,
            time: t,
            text: p.text.clone(),
            entities,
        });
        if !keys.text.tokens.is_empty() {
            self.push_text(&rec, &keys.text);
        }
        for (label, k) in &keys.links {
            self.push_keyed(Behaviour::CoLink, *k, label, &rec);
        }
        for (label, k) in &keys.hashtags {
            self.push_keyed(Behaviour::CoHashtag, *k, label, &rec);
        }
        if let Some((label, k)) = &keys.repost {
            self.push_keyed(Behaviour::CoRepost, *k, label, &rec);
        }
        if let Some((label, k)) = &keys.reply {
            self.push_keyed(Behaviour::CoReply, *k, label, &rec);
        }
    }

    fn new_episode(&mut self, behaviour: Behaviour, key: String, key_hash: u64, t: i64) -> u32 {
        let id = self.next_episode;
        self.next_episode += 1;
        self.open.insert(
            id,
            Open {
                behaviour,
                key,
                key_hash,
                posts: Vec::new(),
                variants: Vec::new(),
                reps: Vec::new(),
                last: t,
            },
        );
        id
    }

    fn push_text(&mut self, rec: &Rc<PostRec>, text: &Normalized) {
        let t = rec.time;
        if let Some(&r) = self.by_exact.get(&text.exact) {
            let rep = self
                .reps
                .get_mut(&r)
                .expect("a text's rep is alive while indexed");
            rep.last = t;
            let ep = rep.episode;
            self.rep_queue.push_back((t, r));
            if let Some(o) = self.open.get_mut(&ep) {
                o.posts.push(rec.clone());
                o.last = t;
                if let Some(v) = o.variants.iter_mut().find(|v| v.exact == text.exact) {
                    v.posts += 1;
                }
            }
            return;
        }
        let sig = Box::new(signature(&text.shingles));
        let mut matched: BTreeSet<u32> = BTreeSet::new();
        for c in self.lsh.candidates(&sig) {
            if let Some(rep) = self.reps.get(&c)
                && jaccard(&rep.shingles, &text.shingles) >= self.params.similarity
            {
                matched.insert(rep.episode);
            }
        }
        let ep = match matched.iter().next().copied() {
            None => self.new_episode(Behaviour::CoPost, text.joined(), 0, t),
            Some(target) => {
                for other in matched.iter().skip(1).copied().collect::<Vec<_>>() {
                    self.merge(target, other);
                }
                target
            }
        };
        let r = self.next_rep;
        self.next_rep += 1;
        self.lsh.insert(r, &sig);
        self.by_exact.insert(text.exact, r);
        self.rep_queue.push_back((t, r));
        self.reps.insert(
            r,
            Rep {
                exact: text.exact,
                shingles: text.shingles.clone(),
                sig,
                episode: ep,
                last: t,
            },
        );
        if let Some(o) = self.open.get_mut(&ep) {
            o.posts.push(rec.clone());
            o.reps.push(r);
            o.last = t;
            o.variants.push(Variant {
                exact: text.exact,
                sample: rec.text.clone(),
                posts: 1,
            });
        }
    }

    /// Moves episode `from` into `into` (two texts of one run met a third that is near both).
    fn merge(&mut self, into: u32, from: u32) {
        let Some(f) = self.open.remove(&from) else {
            return;
        };
        for r in &f.reps {
            if let Some(rep) = self.reps.get_mut(r) {
                rep.episode = into;
            }
        }
        if let Some(o) = self.open.get_mut(&into) {
            o.posts.extend(f.posts);
            o.reps.extend(f.reps);
            o.variants.extend(f.variants);
            o.last = o.last.max(f.last);
        }
    }

    fn push_keyed(&mut self, behaviour: Behaviour, k: u64, label: &str, rec: &Rc<PostRec>) {
        let t = rec.time;
        let ep = match self.keyed.get(&(behaviour, k)) {
            Some(&ep) => ep,
            None => {
                let ep = self.new_episode(behaviour, label.to_string(), k, t);
                self.keyed.insert((behaviour, k), ep);
                ep
            }
        };
        self.key_queue.push_back((t, behaviour, k));
        if let Some(o) = self.open.get_mut(&ep) {
            o.posts.push(rec.clone());
            o.last = t;
        }
    }

    /// Closes what nothing after `before` keeps alive.
    fn evict(&mut self, before: i64) {
        while let Some(&(t, r)) = self.rep_queue.front() {
            if t >= before {
                break;
            }
            self.rep_queue.pop_front();
            let stale = self.reps.get(&r).is_none_or(|rep| rep.last != t);
            if stale {
                continue;
            }
            let rep = self.reps.remove(&r).expect("checked above");
            self.lsh.remove(r, &rep.sig);
            self.by_exact.remove(&rep.exact);
            let done = match self.open.get_mut(&rep.episode) {
                Some(o) => {
                    o.reps.retain(|x| *x != r);
                    o.reps.is_empty()
                }
                None => false,
            };
            if done {
                self.close(rep.episode);
            }
        }
        while let Some(&(t, b, k)) = self.key_queue.front() {
            if t >= before {
                break;
            }
            self.key_queue.pop_front();
            let Some(&ep) = self.keyed.get(&(b, k)) else {
                continue;
            };
            if self.open.get(&ep).is_some_and(|o| o.last == t) {
                self.keyed.remove(&(b, k));
                self.close(ep);
            }
        }
    }

    /// Closes every episode still open.
    pub fn finish(&mut self) {
        self.evict(i64::MAX);
    }

    fn close(&mut self, ep: u32) {
        let Some(mut o) = self.open.remove(&ep) else {
            return;
        };
        if o.posts.len() < 2 {
            return;
        }
        o.posts
            .sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        o.posts.dedup_by(|a, b| Rc::ptr_eq(a, b));
        let accounts: BTreeSet<u64> = o.posts.iter().map(|p| p.account).collect();
        if accounts.len() < 2 {
            return;
        }
        if o.behaviour == Behaviour::CoPost {
            for p in &o.posts {
                *self.co_posts.entry(p.account).or_default() += 1;
            }
        }
        if (accounts.len() as u32) < self.params.min_accounts {
            return;
        }
        let window = i64::from(self.params.window);
        let peak = peak(&o.posts, window);
        if peak.accounts < 2 {
            return;
        }
        let keys: Vec<u64> = match o.behaviour {
            Behaviour::CoPost => o.variants.iter().map(|v| v.exact).collect(),
            _ => vec![o.key_hash],
        };
        let total: u64 = keys
            .iter()
            .map(|k| self.background.count(o.behaviour, *k))
            .sum();
        // The hours the thing was posted in at all: its own rate is its
        // count over those, so a text said every morning is compared with
        // mornings, not with the whole week.
        let active = keys
            .iter()
            .map(|k| self.background.active_hours(o.behaviour, *k))
            .max()
            .unwrap_or(1);
        let outside = total.saturating_sub(peak.posts);
        let start = o.posts[0].time;
        let end = o.posts[o.posts.len() - 1].time;
        // An active hour stands for at least four windows of time: with a
        // long window, each hour is too short to show a rate.
        let per_hour = 3600.max(4 * window) as u64;
        let active_span = (active * per_hour).min(self.span.max(1) as u64) as i64;
        let expected = expected(outside, window, active_span);
        let log10_p = significance(u64::from(peak.accounts), outside, window, active_span);
        // Short texts ("buenos días") are said by many people at once without
        // any plan: they need twice the accounts in one window.
        let short = o.behaviour == Behaviour::CoPost
            && o.key.split(' ').count() < 4
            && peak.accounts < 2 * self.params.min_accounts;
        let few = peak.accounts < self.params.min_accounts;
        // A routine that peaks a little every day is no campaign however
        // many say it: the busiest window must be several times what its
        // own rate gives, as well as unlikely.
        let routine = f64::from(peak.accounts) < self.params.min_ratio * expected;
        if self.params.significance
            && (log10_p > self.params.log10_alpha() || short || few || routine)
        {
            return;
        }
        if o.behaviour != Behaviour::CoHashtag {
            pair_up(&o.posts, window, o.behaviour, &mut self.edges);
        }
        o.variants
            .sort_by(|a, b| b.posts.cmp(&a.posts).then_with(|| a.exact.cmp(&b.exact)));
        self.bursts.push(Burst {
            behaviour: o.behaviour,
            key: o.key,
            accounts: accounts.into_iter().collect(),
            variants: o.variants,
            start,
            end,
            peak,
            log10_p,
            outside,
            posts: o.posts,
        });
    }
}

/// The busiest window of the posts (sorted by time): its distinct
/// accounts, when it starts, and its posts.
fn peak(posts: &[Rc<PostRec>], window: i64) -> Peak {
    let mut counts: HashMap<u64, u32> = HashMap::new();
    let mut best = Peak {
        accounts: 0,
        at: posts.first().map_or(0, |p| p.time),
        posts: 0,
    };
    let mut lo = 0usize;
    for hi in 0..posts.len() {
        *counts.entry(posts[hi].account).or_default() += 1;
        while posts[hi].time - posts[lo].time > window {
            let a = posts[lo].account;
            if let Some(c) = counts.get_mut(&a) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(&a);
                }
            }
            lo += 1;
        }
        if counts.len() as u32 > best.accounts {
            best = Peak {
                accounts: counts.len() as u32,
                at: posts[lo].time,
                posts: (hi + 1 - lo) as u64,
            };
        }
    }
    best
}

/// The busiest window of an episode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peak {
    /// Distinct accounts in it.
    pub accounts: u32,
    /// When it starts.
    pub at: i64,
    /// Posts in it.
    pub posts: u64,
}

/// Counts, for every two accounts of an episode, their posts within the window of each other.
fn pair_up(
    posts: &[Rc<PostRec>],
    window: i64,
    behaviour: Behaviour,
    edges: &mut HashMap<(u64, u64), EdgeCounts>,
) {
    for (i, p) in posts.iter().enumerate() {
        for (seen, q) in posts[..i].iter().rev().enumerate() {
            if p.time - q.time > window || seen >= PAIRS_PER_POST {
                break;
            }
            if p.account != q.account {
                let key = (p.account.min(q.account), p.account.max(q.account));
                edges.entry(key).or_default()[behaviour.index()] += 1;
            }
        }
    }
}

/// log10 of the chance that `accounts` or more posts of one thing fall in
/// one window by coincidence, when it was posted `outside` times more in
/// `active` seconds (the hours it was posted in at all): a Poisson tail at
/// that rate, multiplied by the number of windows in those seconds (each
/// was a chance). Nothing posted outside: no coincidence to compare with.
pub fn significance(accounts: u64, outside: u64, window: i64, active: i64) -> f64 {
    let lambda = expected(outside, window, active);
    let window = window.max(1) as f64;
    let active = (active as f64).max(window);
    let windows = (active / window).max(1.0);
    (log10_poisson_tail(accounts, lambda) + windows.log10()).min(0.0)
}

/// Posts of a thing expected in one window at the rate it was posted
/// `outside` times in `active` seconds.
pub fn expected(outside: u64, window: i64, active: i64) -> f64 {
    let window = window.max(1) as f64;
    outside as f64 / (active as f64).max(window) * window
}

/// log10 P(X >= n) for X ~ Poisson(lambda).
pub fn log10_poisson_tail(n: u64, lambda: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if lambda <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let nf = n as f64;
    if nf <= lambda {
        return 0.0;
    }
    // The first term, then the series 1 + l/(n+1) + l^2/((n+1)(n+2)) + ...
    let ln_first = -lambda + nf * lambda.ln() - ln_factorial(n);
    let (mut term, mut sum, mut k) = (1.0f64, 1.0f64, nf);
    for _ in 0..10_000 {
        k += 1.0;
        term *= lambda / k;
        sum += term;
        if term < sum * 1e-12 {
            break;
        }
    }
    (ln_first + sum.ln()) / std::f64::consts::LN_10
}

fn ln_factorial(n: u64) -> f64 {
    if n < 64 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64;
    // Stirling's series.
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_tail_is_right_where_it_can_be_checked() {
        // P(X >= 1 | 0.5) = 1 - e^-0.5
        let p = 10f64.powf(log10_poisson_tail(1, 0.5));
        assert!((p - (1.0 - (-0.5f64).exp())).abs() < 1e-9, "{p}");
        // P(X >= 3 | 0.1) = 1 - e^-0.1 (1 + 0.1 + 0.005)
        let p = 10f64.powf(log10_poisson_tail(3, 0.1));
        let want = 1.0 - (-0.1f64).exp() * (1.0 + 0.1 + 0.005);
        assert!((p - want).abs() / want < 1e-6, "{p} {want}");
        assert_eq!(log10_poisson_tail(3, 0.0), f64::NEG_INFINITY);
        assert_eq!(log10_poisson_tail(3, 5.0), 0.0);
        assert!((ln_factorial(100) - 363.739_375_555_563_5).abs() < 1e-6);
    }

    #[test]
    fn a_burst_is_unlikely_and_steady_repetition_is_not() {
        // 23 accounts in a minute, the text posted 46 times more in 3 active hours.
        assert!(significance(23, 46, 60, 3 * 3600) < -20.0);
        // A quote 25 times in its busiest hour, 975 times more over 72 hours.
        assert!(significance(25, 975, 3600, 72 * 3600) > -3.0);
        // A greeting 20 times in a minute, 9,780 times more in 2 hours each
        // morning for 7 days: compared with mornings, it is no burst.
        assert!(significance(20, 9780, 60, 14 * 3600) > -3.0);
        // Nothing posted elsewhere: never a coincidence.
        assert_eq!(significance(3, 0, 60, 10), f64::NEG_INFINITY);
    }
}
